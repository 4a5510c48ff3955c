using Polly;

namespace Concurrency.Strategies.Internal;

/// <summary>A run's options after validation, with every default resolved.</summary>
internal sealed record RunSettings
{
    /// <summary>What every strategy takes from the run's options as they are; a strategy adds its own with <c>with</c> (chunk size, process run).</summary>
    public static RunSettings From(StrategyKind kind, RunOptions options, int maxConcurrency, int windowCapacity, TimeSpan progressInterval) => new()
    {
        Kind = kind,
        MaxConcurrency = maxConcurrency,
        Ordered = options.Ordered,
        FailFast = options.FailFast,
        WindowCapacity = windowCapacity,
        ProgressInterval = progressInterval,
        ItemTimeout = options.ItemTimeout,
        Resilience = options.Resilience,
        Progress = options.Progress,
        TotalCount = options.TotalCount,
    };

    public required StrategyKind Kind { get; init; }

    public required int MaxConcurrency { get; init; }

    public required bool Ordered { get; init; }

    /// <summary>Gets a value indicating whether a failed outcome is yielded at once, ahead of the reorder buffer.</summary>
    public bool FailFast { get; init; }

    public required int WindowCapacity { get; init; }

    public required TimeSpan ProgressInterval { get; init; }

    public TimeSpan? ItemTimeout { get; init; }

    public ResiliencePipeline? Resilience { get; init; }

    public IProgress<RunProgress>? Progress { get; init; }

    public long? TotalCount { get; init; }

    /// <summary>A fixed chunk size for thread lanes; <see langword="null"/> sizes chunks automatically.</summary>
    public int? ChunkSize { get; init; }

    /// <summary>For the process strategy: the pool, the work's identity and the serializer; lanes run in worker processes.</summary>
    public Processes.ProcessRun? Process { get; init; }
}
