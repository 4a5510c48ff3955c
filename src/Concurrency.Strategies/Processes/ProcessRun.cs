using Concurrency.Strategies.Processes.Protocol;

namespace Concurrency.Strategies.Processes;

/// <summary>What a run of the process strategy needs besides the common settings: the pool, the work's identity, the serializer and the limits.</summary>
internal sealed record ProcessRun(
    WorkerPool Pool,
    StartMessage Start,
    IWorkSerializer Serializer,
    ProcessStrategyOptions Options,
    int? FixedBatchSize)
{
    /// <summary>The largest automatic batch.</summary>
    public const int MaxAutoBatchSize = 4096;

    /// <summary>The largest <see cref="RunOptions.BatchSize"/>.</summary>
    public const int MaxBatchSize = 65_536;

    /// <summary>
    /// Items pulled and not yet consumed: every lane's batches in flight plus one being built, and the reorder slack.
    /// Short fixed batches may be pipelined deeper than <paramref name="batchesInFlight"/> (up to 16), so the window
    /// allows at least 16 of them per lane.
    /// </summary>
    public static int WindowCapacity(int maxConcurrency, int batchesInFlight, int? fixedBatchSize) =>
        (int)Math.Min(
            int.MaxValue / 2,
            (long)maxConcurrency * Math.Max((batchesInFlight + 1) * (long)(fixedBatchSize ?? MaxAutoBatchSize), 17L * (fixedBatchSize ?? 1))
            + (2L * maxConcurrency) + 64);
}

/// <summary>The Batch frame payload of one group of items, kept until every item is answered.</summary>
internal sealed class SentBatch<TIn>(long id, TIn[] items, long[] indices, int[] crashes, byte[] payload)
{
    public long Id { get; } = id;

    public TIn[] Items { get; } = items;

    public long[] Indices { get; } = indices;

    /// <summary>Gets, per item, the workers it has crashed so far.</summary>
    public int[] Crashes { get; } = crashes;

    public byte[] Payload { get; } = payload;

    public int Count => Items.Length;

    /// <summary>Gets or sets how many items (a prefix: results come in order) have been answered.</summary>
    public int Reported { get; set; }

    /// <summary>Gets or sets the sum of the worker-reported durations of the answered items.</summary>
    public long WorkTicks { get; set; }
}
