using System.ComponentModel.DataAnnotations;
using Concurrency.Strategies.Internal;

namespace Concurrency.Strategies.Async;

/// <summary>Options of <see cref="AsyncStrategy"/>.</summary>
public sealed class AsyncStrategyOptions
{
    /// <summary>Gets or sets the number of operations a run keeps in flight at most.</summary>
    /// <value>Defaults to 100. Latency-bound I/O against a server that accepts more can use thousands.</value>
    [Range(1, AsyncConstants.MaxConcurrencyLimit)]
    public int MaxConcurrency { get; set; } = AsyncConstants.DefaultMaxConcurrency;

    /// <summary>Gets or sets the shortest interval between two progress reports of a run.</summary>
    /// <value>Defaults to 100 milliseconds.</value>
    public TimeSpan ProgressInterval { get; set; } = RunDefaults.ProgressInterval;

    internal AsyncStrategyOptions Clone() => (AsyncStrategyOptions)MemberwiseClone();

    internal IEnumerable<string> Validate(string prefix)
    {
        foreach (var error in OptionsValidation.DataAnnotations(this, prefix))
        {
            yield return error;
        }

        foreach (var error in OptionsValidation.ProgressInterval(ProgressInterval, prefix))
        {
            yield return error;
        }
    }
}
