namespace Concurrency.Strategies.Demo;

/// <summary>
/// How big each workload is, in one place, so the usage text, the DI configuration, the tables and the checks agree.
/// </summary>
internal sealed record DemoSizes
{
    /// <summary>Gets the smaller default sizes: the whole demo takes about 15 s on 2 cores.</summary>
    public static DemoSizes Quick { get; } = new()
    {
        Name = "quick",
        BlockingItems = 100,
        BlockingLatency = TimeSpan.FromMilliseconds(20),
        PrimeRanges = 40,
        AsyncItems = 2_000,
    };

    /// <summary>Gets the seed article's sizes: 100 images at 50 ms, 10,000 pages; about 45 s on 2 cores.</summary>
    public static DemoSizes Full { get; } = new()
    {
        Name = "full",
        BlockingItems = 100,
        BlockingLatency = TimeSpan.FromMilliseconds(50),
        PrimeRanges = 80,
        AsyncItems = 10_000,
    };

    public required string Name { get; init; }

    /// <summary>Gets the thread count for blocking I/O: the seed's <c>ThreadPoolExecutor(max_workers=20)</c>.</summary>
    public int IoThreads { get; init; } = 20;

    /// <summary>Gets the in-flight limit for async I/O: the seed's aiohttp limit of 1000.</summary>
    public int AsyncInFlight { get; init; } = 1_000;

    public required int BlockingItems { get; init; }

    public required TimeSpan BlockingLatency { get; init; }

    public required int PrimeRanges { get; init; }

    /// <summary>Gets the numbers per range: wide enough that one range costs tens of milliseconds, so hand-off cost is noise
    /// and the serial run lasts long enough (about 1.5 s in quick sizes) for a steady speedup.</summary>
    public int PrimeRangeWidth { get; init; } = 150_000;

    public required int AsyncItems { get; init; }

    /// <summary>Gets the latency of one async I/O item: the seed's local nginx answered in 50 ms.</summary>
    public TimeSpan AsyncLatency { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Gets how many async I/O items the serial baseline runs: all of them one at a time would take minutes, and
    /// identical items make the rate of a sample the rate of the whole.
    /// </summary>
    public int SerialSampleItems { get; init; } = 40;
}
