namespace Concurrency.Strategies.Demo;

/// <summary>
/// (a) The seed's "download 100 images with 20 threads": work that blocks its thread while it waits. The thread
/// strategy is the right tool; the same blocking work on the async strategy shows why it is the wrong one.
/// </summary>
internal sealed class BlockingIoWorkload : IWorkload
{
    public async Task<WorkloadReport> RunAsync(DemoContext context)
    {
        var sizes = context.Sizes;
        var latency = sizes.BlockingLatency;
        var items = Enumerable.Range(0, sizes.BlockingItems).ToArray();
        Func<int, int> download = id => SimulatedIo.DownloadBlocking(id, latency);
        Func<int, CancellationToken, ValueTask<int>> downloadAsync = (id, ct) => SimulatedIo.DownloadAsync(id, latency, ct);
        Func<int, int> expected = SimulatedIo.PayloadSize;
        var blocking = $"blocking Thread.Sleep {Format.Milliseconds(latency)}";
        var sameWindow = new RunOptions { MaxConcurrency = sizes.IoThreads };
        var measurer = context.Measurer;

        var serial = await measurer.SerialAsync(blocking, items, download, expected);

        // The thread strategy's default (20, set in DI) is the seed's max_workers=20.
        var threads = await measurer.StrategyAsync(context.Threads, null, blocking, items, download, expected);

        // The wrong tool, on purpose: each blocked item holds a thread-pool thread, and the pool starts with one
        // thread per core and adds more only slowly, so 20 "in flight" run a few at a time.
        var asyncBlocked = await measurer.StrategyAsync(
            context.Async, sameWindow, blocking + " (wrong tool)", items, download, expected);
        var poolThreads = ThreadPool.ThreadCount;

        // The right way to use the async strategy for this: an API that awaits instead of blocking.
        var asyncAwaited = await measurer.StrategyAsync(
            context.Async, sameWindow, $"await Task.Delay {Format.Milliseconds(latency)} (async variant)", items, downloadAsync, expected);

        return new WorkloadReport(
            "(a) Blocking I/O",
            $"{Format.Count(items.Length)} downloads that block {Format.Milliseconds(latency)} each (the seed: 100 images, 20 threads)",
            $"a blocking call needs a thread for as long as it waits: {sizes.IoThreads} dedicated threads give ~{sizes.IoThreads}x; on the "
            + $"async strategy the same calls tie up the thread pool's {poolThreads} threads, so only a few of the {sizes.IoThreads} "
            + "run at once: use it with an API that awaits.",
            [serial, threads, asyncBlocked, asyncAwaited]);
    }
}
