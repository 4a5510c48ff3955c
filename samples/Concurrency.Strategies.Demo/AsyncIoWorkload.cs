namespace Concurrency.Strategies.Demo;

/// <summary>
/// (c) The seed's "scrape 10,000 pages with aiohttp (limit 1000)": many waits at once. Awaiting holds no thread,
/// so the async strategy keeps a thousand in flight; blocking threads cap the rate at threads / latency.
/// </summary>
internal sealed class AsyncIoWorkload : IWorkload
{
    public async Task<WorkloadReport> RunAsync(DemoContext context)
    {
        var sizes = context.Sizes;
        var latency = sizes.AsyncLatency;
        var items = Enumerable.Range(0, sizes.AsyncItems).ToArray();
        var sample = items[..Math.Min(sizes.SerialSampleItems, items.Length)];
        Func<int, int> download = id => SimulatedIo.DownloadBlocking(id, latency);
        Func<int, CancellationToken, ValueTask<int>> downloadAsync = (id, ct) => SimulatedIo.DownloadAsync(id, latency, ct);
        Func<int, int> expected = SimulatedIo.PayloadSize;
        var awaiting = $"await Task.Delay {Format.Milliseconds(latency)}";
        var measurer = context.Measurer;

        // Both strategies run with their DI defaults: 20 threads, 1000 in flight.
        Measurement[] rows =
        [
            await measurer.SerialAsync($"{awaiting} (first {sample.Length} items)", sample, downloadAsync, expected),
            await measurer.StrategyAsync(
                context.Threads, null, $"blocking Thread.Sleep {Format.Milliseconds(latency)}", items, download, expected),
            await measurer.StrategyAsync(context.Async, null, awaiting, items, downloadAsync, expected),
        ];

        var threadCap = sizes.IoThreads / latency.TotalSeconds;
        return new WorkloadReport(
            "(c) Async I/O at scale",
            $"{Format.Count(items.Length)} requests that wait {Format.Milliseconds(latency)} each (the seed: 10,000 pages, aiohttp limit 1000)",
            $"a pending await holds no thread, so {Format.Count(sizes.AsyncInFlight)} requests wait at once on a few pool threads; "
            + $"{sizes.IoThreads} blocking threads cap out at {sizes.IoThreads} / {Format.Milliseconds(latency)} = {Format.Rate(threadCap)} items/s.",
            rows);
    }
}
