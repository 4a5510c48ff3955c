using BenchmarkDotNet.Attributes;
using Concurrency.Strategies.Async;

namespace Concurrency.Strategies.Benchmarks.Micro;

/// <summary>
/// Bytes allocated per pending item: 100,000 items all awaiting the same I/O (a <see cref="TaskCompletionSource"/>
/// released once every item waits), so every item's state is alive at once. Allocated bytes are per item
/// (<c>OperationsPerInvoke</c>); the work's own state (its async state machine and the await) is the same in every
/// case, so the differences are each runner's bookkeeping.
/// </summary>
[Config(typeof(MicroConfig))]
[BenchmarkCategory("memory")]
public class PendingMemoryBenchmarks
{
    private const int Items = 100_000;
    private int[] source = [];
    private AsyncStrategy strategy = null!;

    [GlobalSetup]
    public void Setup()
    {
        source = Enumerable.Range(0, Items).ToArray();
        strategy = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = Items });
    }

    [GlobalCleanup]
    public void Cleanup() => strategy.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Items, Description = "Task.WhenAll of the items (no limit)")]
    public async Task<long> WhenAll()
    {
        var io = new Io(Items);
        var results = await Task.WhenAll(source.Select(x => io.WaitAsync(x).AsTask()));
        return results.Length;
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "Parallel.ForEachAsync (MDOP 100,000)")]
    public async Task<long> ParallelForEachAsync()
    {
        var io = new Io(Items);
        long sum = 0;
        await Parallel.ForEachAsync(source, new ParallelOptions { MaxDegreeOfParallelism = Items }, async (x, ct) => Interlocked.Add(ref sum, await io.WaitAsync(x)));
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "AsyncStrategy.RunAsync (MaxConcurrency 100,000)")]
    public async Task<long> AsyncStrategyRun()
    {
        var io = new Io(Items);
        long sum = 0;
        await foreach (var outcome in strategy.RunAsync(source, (x, ct) => io.WaitAsync(x)))
        {
            sum += outcome.Result;
        }

        return sum;
    }

    /// <summary>I/O that completes for everyone once every item is waiting.</summary>
    private sealed class Io(int expected)
    {
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int waiting;

        public async ValueTask<long> WaitAsync(int x)
        {
            if (Interlocked.Increment(ref waiting) == expected)
            {
                release.SetResult();
            }

            await release.Task;
            return x;
        }
    }
}
