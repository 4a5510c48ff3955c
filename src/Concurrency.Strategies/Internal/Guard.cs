using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Concurrency.Strategies.Internal;

/// <summary>Null checks whose messages say what to pass instead.</summary>
internal static class Guard
{
    public static void NotNull([NotNull] object? value, string fix, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value is null)
        {
            throw new ArgumentNullException(paramName, $"{paramName} is null. {fix}");
        }
    }

    public const string StrategyFix = "Call the extension on a strategy instance, e.g. one resolved as IExecutionStrategy from the container.";

    public const string ItemsFix = "Pass the items to run; an empty sequence runs nothing.";

    public const string WorkFix = "Pass the work to run for each item, e.g. a lambda or a static method.";
}
