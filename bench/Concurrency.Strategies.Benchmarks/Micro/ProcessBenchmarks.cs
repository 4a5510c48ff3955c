using BenchmarkDotNet.Attributes;
using Concurrency.Strategies.Processes;

namespace Concurrency.Strategies.Benchmarks.Micro;

/// <summary>
/// <see cref="ProcessStrategy"/> on 2 workers: per-item cost of trivial items by batch size (0 = automatic).
/// </summary>
[Config(typeof(MicroConfig))]
[BenchmarkCategory("process")]
public class ProcessBenchmarks
{
    private const int Items = 20_000;
    private int[] source = [];
    private ProcessStrategy pool = null!;

    /// <summary>Gets or sets the batch size; 0 for automatic batching.</summary>
    [Params(0, 1, 10, 100, 1_000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        source = Enumerable.Range(0, Items).ToArray();
        pool = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 2 });
        pool.WarmUpAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => pool.Dispose();

    [Benchmark(OperationsPerInvoke = Items, Description = "20,000 trivial items through 2 workers, per item")]
    public async Task<long> Throughput()
    {
        var options = BatchSize == 0 ? null : new RunOptions { BatchSize = BatchSize };
        long sum = 0;
        await foreach (var outcome in pool.RunAsync(source, ProcessHarness.AddOne, options))
        {
            sum += outcome.Result;
        }

        return sum;
    }
}

/// <summary>A warm single round trip and a cold start of <see cref="ProcessStrategy"/>.</summary>
[Config(typeof(MicroConfig))]
[BenchmarkCategory("process")]
public class ProcessLatencyBenchmarks
{
    private const int RoundTrips = 100;
    private ProcessStrategy pool = null!;

    [GlobalSetup]
    public void Setup()
    {
        pool = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 2 });
        pool.WarmUpAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => pool.Dispose();

    [Benchmark(OperationsPerInvoke = RoundTrips, Description = "warm InvokeAsync round trip")]
    public async Task<int> RoundTrip()
    {
        var last = 0;
        for (var i = 0; i < RoundTrips; i++)
        {
            last = await pool.InvokeAsync(i, ProcessHarness.AddOne);
        }

        return last;
    }

    [Benchmark(Description = "cold start: new ProcessStrategy to the first result, disposed")]
    public async Task<int> ColdStart()
    {
        await using var cold = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 1 });
        return await cold.InvokeAsync(1, ProcessHarness.AddOne);
    }
}
