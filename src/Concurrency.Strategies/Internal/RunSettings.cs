using Polly;

namespace Concurrency.Strategies.Internal;

/// <summary>A run's options after validation, with every default resolved.</summary>
internal sealed record RunSettings
{
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
