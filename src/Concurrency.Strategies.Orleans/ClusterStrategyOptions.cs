using System.ComponentModel.DataAnnotations;
using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Processes;

namespace Concurrency.Strategies.Orleans;

/// <summary>Options for <see cref="ClusterStrategy"/>; bind them from configuration or set them in <c>AddOrleansCluster</c>.</summary>
public sealed class ClusterStrategyOptions
{
    /// <summary>The largest <see cref="MaxConcurrency"/>.</summary>
    public const int MaxConcurrencyLimit = 100_000;

    /// <summary>The default <see cref="MaxConcurrency"/>.</summary>
    public const int DefaultMaxConcurrency = 64;

    /// <summary>The largest <see cref="SiloFailureRetries"/>.</summary>
    public const int MaxSiloFailureRetries = 10;

    /// <summary>
    /// Gets or sets how many items are in flight across the whole cluster at most (the default for every run).
    /// For CPU-bound work, the cores of all silos together; for I/O-bound work, more. Default 64.
    /// </summary>
    [Range(1, MaxConcurrencyLimit)]
    public int MaxConcurrency { get; set; } = DefaultMaxConcurrency;

    /// <summary>
    /// Gets or sets how many times an item is sent again, to another silo, when the silo running it fails under it
    /// (its connection drops, the cluster declares it dead, a gateway refuses the call). Past that, the item fails
    /// with the Orleans exception. Default 2; 0 fails the item at the first silo failure (then a Polly pipeline in
    /// <see cref="RunOptions.Resilience"/> may still retry it).
    /// </summary>
    /// <remarks>
    /// A silo that dies after finishing an item but before its answer arrives runs that item again elsewhere: outcomes
    /// stay exactly one per item, execution is at least once for such items.
    /// </remarks>
    [Range(0, MaxSiloFailureRetries)]
    public int SiloFailureRetries { get; set; } = 2;

    /// <summary>
    /// Gets or sets how long an item whose token was cancelled (its <see cref="RunOptions.ItemTimeout"/>, or the run's
    /// cancellation) may take to stop on its silo before the run stops waiting for it. A cancel call reaches the item on
    /// its silo, so work that observes its token stops within this time and the run ends with none of its work running;
    /// work that ignores it (or a silo that hangs) is left behind after it. Default 5 seconds.
    /// </summary>
    public TimeSpan CancellationGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how often the silo of an item still running is asked whether it still has the item. Two answers in a
    /// row that it does not (or no answer within the interval) count as a silo failure: the item is sent to another silo
    /// (<see cref="SiloFailureRetries"/>). Orleans itself does not always fail a client's pending call when the silo dies,
    /// so without these checks such an item would wait forever. Items shorter than the interval are never checked.
    /// Default 5 seconds.
    /// </summary>
    public TimeSpan SiloCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how many grain keys items are spread over; each key is routed through one of the client's gateways,
    /// and its activations live on that silo. <see langword="null"/> (the default): <see cref="MaxConcurrency"/>,
    /// at least 16 and at most 1,024. More keys spread load more evenly over more silos.
    /// </summary>
    [Range(1, 65_536)]
    public int? DispatchKeys { get; set; }

    /// <summary>
    /// Gets or sets the factory of the serializer for items and results. It runs in the client and in every silo, so it
    /// must be a static method or a lambda that captures nothing; <see langword="null"/> for <see cref="JsonWorkSerializer.Default"/>.
    /// </summary>
    public Func<IWorkSerializer>? Serializer { get; set; }

    /// <summary>Gets or sets how often <see cref="RunOptions.Progress"/> is reported at most. Default 100 ms.</summary>
    public TimeSpan ProgressInterval { get; set; } = RunDefaults.ProgressInterval;

    internal ClusterStrategyOptions Clone() => (ClusterStrategyOptions)MemberwiseClone();

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

        if (SiloCheckInterval < TimeSpan.FromMilliseconds(100) || SiloCheckInterval > TimeSpan.FromHours(1))
        {
            yield return $"{prefix}SiloCheckInterval must be between 100 ms and an hour; got {SiloCheckInterval}. Shorter finds a dead silo sooner and costs a call per running item per interval.";
        }

        if (CancellationGracePeriod < TimeSpan.Zero || CancellationGracePeriod > TimeSpan.FromMinutes(10))
        {
            yield return $"{prefix}CancellationGracePeriod must be between 0 and 10 minutes; got {CancellationGracePeriod}. Use 0 to stop waiting for a cancelled item at once.";
        }
    }
}
