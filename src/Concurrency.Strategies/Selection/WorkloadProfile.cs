namespace Concurrency.Strategies.Selection;

/// <summary>What the work mostly waits for.</summary>
public enum WorkloadKind
{
    /// <summary>Mostly waiting: network, disk, a database, another service.</summary>
    IoBound,

    /// <summary>Mostly computing: parsing, image processing, math.</summary>
    CpuBound,

    /// <summary>Both, in separate steps (download, then resize): best run as a pipeline of stages.</summary>
    Mixed,
}

/// <summary>What <see cref="DecisionGuide.Recommend"/> needs to know about a workload.</summary>
public sealed record WorkloadProfile
{
    /// <summary>Gets what the work mostly waits for.</summary>
    public required WorkloadKind Kind { get; init; }

    /// <summary>Gets how many items there are, if known.</summary>
    public long? TaskCount { get; init; }

    /// <summary>Gets a value indicating whether only a synchronous (blocking) API is available for the I/O.</summary>
    public bool BlockingApi { get; init; }

    /// <summary>Gets a value indicating whether items must be isolated: native code that may crash, leaks, a hard kill on timeout.</summary>
    public bool RequiresIsolation { get; init; }

    /// <summary>Gets how long one item typically takes, if known.</summary>
    public TimeSpan? TypicalItemDuration { get; init; }

    /// <summary>
    /// Gets how long CPU-bound work may take on this machine before the guide sends it to a cluster
    /// (<see cref="StrategyKind.Cluster"/>, the <c>Concurrency.Strategies.Orleans</c> package). The estimate is
    /// <see cref="TaskCount"/> × <see cref="TypicalItemDuration"/> ÷ this machine's cores, so both must be known.
    /// <see langword="null"/> (the default) never picks the cluster.
    /// </summary>
    /// <example><c>ClusterThreshold = TimeSpan.FromMinutes(10)</c>: work that would keep every core here busy for more than ten minutes goes to the cluster.</example>
    public TimeSpan? ClusterThreshold { get; init; }

    /// <summary>
    /// Gets how many cores the cluster has in all its silos; a <see cref="StrategyKind.Cluster"/> pick keeps that many
    /// items in flight. <see langword="null"/>: <see cref="DecisionGuide.DefaultClusterInFlight"/>.
    /// </summary>
    public int? ClusterCores { get; init; }

    /// <summary>The largest <see cref="ClusterCores"/>: the cluster strategy's limit on items in flight.</summary>
    internal const int MaxClusterCores = 100_000;

    /// <summary>Throws for a profile the guide cannot answer, naming the property and the fix.</summary>
    internal void Validate(string paramName)
    {
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentOutOfRangeException(paramName, Kind, $"WorkloadProfile.Kind must be IoBound, CpuBound or Mixed; got {(int)Kind}.");
        }

        if (TaskCount is < 0)
        {
            throw new ArgumentOutOfRangeException(paramName, TaskCount, $"WorkloadProfile.TaskCount must be zero or positive; got {TaskCount}. Leave it null when the count is unknown.");
        }

        if (TypicalItemDuration is { } duration && duration < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, duration, $"WorkloadProfile.TypicalItemDuration must be zero or positive; got {duration}. Leave it null when unknown.");
        }

        if (ClusterThreshold is { } threshold && threshold <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(paramName, threshold, $"WorkloadProfile.ClusterThreshold must be positive; got {threshold}. Leave it null to never pick the cluster.");
        }

        if (ClusterCores is < 1 or > MaxClusterCores)
        {
            throw new ArgumentOutOfRangeException(paramName, ClusterCores, $"WorkloadProfile.ClusterCores must be between 1 and {MaxClusterCores:N0} (the cores of all silos together, the most a ClusterStrategy keeps in flight); got {ClusterCores}. Leave it null when unknown.");
        }
    }
}

/// <summary>A strategy and its settings for a workload, with the reasons, as full sentences.</summary>
/// <param name="Kind">The strategy to use.</param>
/// <param name="MaxConcurrency">How many items to run at once.</param>
/// <param name="BatchSize">A batch size for the process strategy, or <see langword="null"/> for automatic batching (and for the other strategies).</param>
/// <param name="Reasons">Why, in sentences a user can act on.</param>
public sealed record StrategyRecommendation(StrategyKind Kind, int MaxConcurrency, int? BatchSize, IReadOnlyList<string> Reasons)
{
    /// <summary>Gets, for a <see cref="WorkloadKind.Mixed"/> workload, one recommendation per stage of the pipeline, in order.</summary>
    public IReadOnlyList<StrategyRecommendation> Stages { get; init; } = [];
}
