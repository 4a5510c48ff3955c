using System.ComponentModel.DataAnnotations;
using Concurrency.Strategies.Internal;

namespace Concurrency.Strategies.Threading;

/// <summary>Options of <see cref="ThreadStrategy"/>.</summary>
public sealed class ThreadStrategyOptions
{
    /// <summary>Gets or sets the number of dedicated worker threads a run uses at most, and so the items in flight.</summary>
    /// <value>Defaults to 8 per core (16 on 2 cores; at least 8, at most 256): blocking I/O scales past the core count. For CPU-bound work use <see cref="Environment.ProcessorCount"/>.</value>
    [Range(1, ThreadConstants.MaxConcurrencyLimit)]
    public int MaxConcurrency { get; set; } = ThreadConstants.DefaultMaxConcurrency;

    /// <summary>Gets or sets how long an idle worker thread waits for work before it exits (<see cref="TimeSpan.Zero"/>: at once; <see cref="Timeout.InfiniteTimeSpan"/>: never).</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan IdleTimeout { get; set; } = ThreadConstants.DefaultIdleTimeout;

    /// <summary>Gets or sets the shortest interval between two progress reports of a run.</summary>
    /// <value>Defaults to 100 milliseconds.</value>
    public TimeSpan ProgressInterval { get; set; } = RunDefaults.ProgressInterval;

    /// <summary>The longest finite wait a monitor accepts.</summary>
    private static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromMilliseconds(int.MaxValue);

    internal ThreadStrategyOptions Clone() => (ThreadStrategyOptions)MemberwiseClone();

    internal IEnumerable<string> Validate(string prefix)
    {
        foreach (var error in OptionsValidation.DataAnnotations(this, prefix))
        {
            yield return error;
        }

        if (IdleTimeout != Timeout.InfiniteTimeSpan && (IdleTimeout < TimeSpan.Zero || IdleTimeout > MaxIdleTimeout))
        {
            yield return $"{prefix}IdleTimeout must be between zero and {MaxIdleTimeout} (or Timeout.InfiniteTimeSpan to keep threads until disposal); got {IdleTimeout}.";
        }

        foreach (var error in OptionsValidation.ProgressInterval(ProgressInterval, prefix))
        {
            yield return error;
        }
    }
}
