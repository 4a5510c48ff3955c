namespace Concurrency.Strategies.Threading;

/// <summary>Defaults and limits of <see cref="ThreadStrategy"/>, in one place.</summary>
internal static class ThreadConstants
{
    /// <summary>
    /// Default worker threads: 8 per core (16 on 2 cores), at least 8 and at most 256. Measured with
    /// <c>bench ... -- threads</c>: items that wait 20 ms and compute 2 ms saturate 2 cores at about 32 threads,
    /// 16 threads reach 3.6x of 4 threads' throughput, and a parked thread adds ~0.1 MB of working set.
    /// Work that waits more than ~8x longer than it computes gains from more; CPU-bound work wants one per core.
    /// </summary>
    public static readonly int DefaultMaxConcurrency = Math.Clamp(8 * Environment.ProcessorCount, 8, 256);

    /// <summary>More dedicated threads than this is a design smell: use the async strategy for that much waiting.</summary>
    public const int MaxConcurrencyLimit = 1024;

    /// <summary>The largest automatic chunk: with items of ~50 ns a chunk then lasts ~50 µs, so hand-off cost is amortised.</summary>
    public const int MaxAutoChunkSize = 1024;

    /// <summary>The largest chunk a caller may fix with <see cref="RunOptions.BatchSize"/>.</summary>
    public const int MaxBatchSize = 65_536;

    /// <summary>Automatic chunks grow until one lasts about this long; outcomes are also flushed at least this often.</summary>
    public static readonly TimeSpan TargetChunkDuration = TimeSpan.FromMilliseconds(0.1);

    /// <summary>Default time an idle worker thread waits for work before it exits.</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Items pulled from the source and not yet taken by the consumer, at most. Automatic chunks: two per lane plus
    /// two chunks per core-bound lane, so chunked lanes never wait on the window while the consumer keeps up (a
    /// lane whose items are slow takes one at a time). A fixed <see cref="RunOptions.BatchSize"/>: two whole chunks
    /// per lane, since every lane must be able to hold a full chunk to reach <c>MaxConcurrency</c>.
    /// </summary>
    public static int WindowCapacity(int maxConcurrency, int? fixedChunkSize) => fixedChunkSize is { } chunk
        ? checked((2 * maxConcurrency) + (2 * maxConcurrency * chunk))
        : checked((2 * maxConcurrency) + (2 * Math.Min(maxConcurrency, Environment.ProcessorCount) * MaxAutoChunkSize));
}
