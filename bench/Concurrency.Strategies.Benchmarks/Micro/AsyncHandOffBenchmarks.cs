using BenchmarkDotNet.Attributes;
using Concurrency.Strategies.Async;

namespace Concurrency.Strategies.Benchmarks.Micro;

/// <summary>
/// Per-item cost of 200,000 async items at the same concurrency: <see cref="AsyncStrategy"/> against
/// <c>Parallel.ForEachAsync</c> and a <c>SemaphoreSlim</c> with <c>Task.WhenAll</c>. Trivial items complete
/// synchronously; <c>Task.Yield</c> items suspend once, as an item awaiting I/O does.
/// </summary>
[Config(typeof(MicroConfig))]
[BenchmarkCategory("async")]
public class AsyncHandOffBenchmarks
{
    private const int Items = 200_000;
    private int[] source = [];
    private AsyncStrategy strategy = null!;

    /// <summary>Gets or sets the work per item.</summary>
    [Params("trivial", "Task.Yield")]
    public string Work { get; set; } = "trivial";

    /// <summary>Gets or sets how many items run at once.</summary>
    [Params(2, 100)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        source = Enumerable.Range(0, Items).ToArray();
        strategy = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = Concurrency });
    }

    [GlobalCleanup]
    public void Cleanup() => strategy.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Items, Description = "Parallel.ForEachAsync")]
    public async Task<long> ParallelForEachAsync()
    {
        long sum = 0;
        var yield = Work != "trivial";
        await Parallel.ForEachAsync(source, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (x, ct) => Interlocked.Add(ref sum, await ItemAsync(x, yield)));
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "SemaphoreSlim + Task.WhenAll")]
    public async Task<long> SemaphoreWhenAll()
    {
        long sum = 0;
        var yield = Work != "trivial";
        using var gate = new SemaphoreSlim(Concurrency);
        await Task.WhenAll(source.Select(async x =>
        {
            await gate.WaitAsync();
            try
            {
                Interlocked.Add(ref sum, await ItemAsync(x, yield));
            }
            finally
            {
                gate.Release();
            }
        }));
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "AsyncStrategy.RunAsync (an outcome per item)")]
    public async Task<long> AsyncStrategyRun()
    {
        long sum = 0;
        var yield = Work != "trivial";
        await foreach (var outcome in strategy.RunAsync(source, (x, ct) => ItemAsync(x, yield)))
        {
            sum += outcome.Result;
        }

        return sum;
    }

    private static async ValueTask<long> ItemAsync(int x, bool yield)
    {
        if (yield)
        {
            await Task.Yield();
        }

        return x + 1;
    }
}
