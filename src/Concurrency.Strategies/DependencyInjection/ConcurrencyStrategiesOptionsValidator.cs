using Microsoft.Extensions.Options;

namespace Concurrency.Strategies.DependencyInjection;

/// <summary>Validates every strategy's options, naming each bad property by its path (e.g. <c>Thread.MaxConcurrency</c>).</summary>
internal sealed class ConcurrencyStrategiesOptionsValidator : IValidateOptions<ConcurrencyStrategiesOptions>
{
    public ValidateOptionsResult Validate(string? name, ConcurrencyStrategiesOptions options)
    {
        var errors = options.Validate()
            .Select(e => $"ConcurrencyStrategies options: {e} Fix it in the AddConcurrencyStrategies(...) callback or the bound configuration section.")
            .ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
