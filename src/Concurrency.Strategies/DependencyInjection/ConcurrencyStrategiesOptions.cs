using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies;

/// <summary>
/// Options of every strategy registered by <c>services.AddConcurrencyStrategies()</c>; binds from a configuration
/// section such as <c>ConcurrencyStrategies</c> with sub-sections <c>Thread</c>, <c>Process</c> and <c>Async</c>.
/// </summary>
public sealed class ConcurrencyStrategiesOptions
{
    /// <summary>Gets the options of the registered <see cref="ThreadStrategy"/>.</summary>
    public ThreadStrategyOptions Thread { get; } = new();

    /// <summary>Gets the options of the registered <see cref="ProcessStrategy"/> (no worker starts until its first use).</summary>
    public ProcessStrategyOptions Process { get; } = new();

    /// <summary>Gets the options of the registered <see cref="AsyncStrategy"/>.</summary>
    public AsyncStrategyOptions Async { get; } = new();

    internal IEnumerable<string> Validate() =>
        Thread.Validate("Thread.").Concat(Process.Validate("Process.")).Concat(Async.Validate("Async."));
}
