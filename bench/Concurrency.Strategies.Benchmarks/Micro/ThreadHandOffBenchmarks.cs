using System.Runtime.CompilerServices;
using System.Threading.Channels;
using System.Threading.Tasks.Dataflow;
using BenchmarkDotNet.Attributes;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Benchmarks.Micro;

/// <summary>
/// Per-item cost of handing 1,000,000 items to two threads: <see cref="ThreadStrategy"/> (one outcome streamed back
/// per item) against what a user would write instead. Trivial items (<c>x + 1</c>) measure the hand-off alone;
/// ~50 ns items measure whether chunking keeps up with range partitioning.
/// </summary>
[Config(typeof(MicroConfig))]
[BenchmarkCategory("threads")]
public class ThreadHandOffBenchmarks
{
    private const int Items = 1_000_000;
    private int[] source = [];
    private ThreadStrategy threads = null!;
    private int spins;

    /// <summary>Gets or sets the work per item.</summary>
    [Params("trivial", "~50 ns")]
    public string Work { get; set; } = "trivial";

    [GlobalSetup]
    public void Setup()
    {
        source = Enumerable.Range(0, Items).ToArray();
        threads = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });
        spins = Work == "trivial" ? 0 : OverheadHarness.CalibrateFiftyNanoseconds();
    }

    [GlobalCleanup]
    public void Cleanup() => threads.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Items, Description = "Parallel.ForEach (array, MDOP 2)")]
    public long ParallelForEach()
    {
        long sum = 0;
        var spin = spins;
        Parallel.ForEach(source, new ParallelOptions { MaxDegreeOfParallelism = 2 }, () => 0L, (x, _, local) => local + Item(x, spin), local => Interlocked.Add(ref sum, local));
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "Channel + 2 dedicated threads")]
    public long ChannelAndThreads()
    {
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(1_024) { SingleWriter = true });
        long sum = 0;
        var spin = spins;
        var readers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            long local = 0;
            var reader = channel.Reader;
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var x))
                {
                    local += Item(x, spin);
                }
            }

            Interlocked.Add(ref sum, local);
        })).ToList();
        readers.ForEach(t => t.Start());
        foreach (var x in source)
        {
            if (!channel.Writer.TryWrite(x))
            {
                channel.Writer.WriteAsync(x).AsTask().GetAwaiter().GetResult();
            }
        }

        channel.Writer.Complete();
        readers.ForEach(t => t.Join());
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "ActionBlock (MDOP 2)")]
    public async Task<long> ActionBlock()
    {
        // Per-thread sums, as the channel baseline keeps them: no shared counter per item to handicap the block.
        using var sums = new ThreadLocal<StrongBox<long>>(() => new StrongBox<long>(), trackAllValues: true);
        var spin = spins;
        var block = new ActionBlock<int>(x => sums.Value!.Value += Item(x, spin), new ExecutionDataflowBlockOptions { MaxDegreeOfParallelism = 2, BoundedCapacity = 1_024 });
        foreach (var x in source)
        {
            if (!block.Post(x))
            {
                await block.SendAsync(x);
            }
        }

        block.Complete();
        await block.Completion;
        return sums.Values.Sum(box => box.Value);
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "ThreadStrategy.RunAsync (2 threads, an outcome per item)")]
    public async Task<long> ThreadStrategyRun()
    {
        long sum = 0;
        var spin = spins;
        await foreach (var outcome in threads.RunAsync(source, x => Item(x, spin)))
        {
            sum += outcome.Result;
        }

        return sum;
    }

    private static long Item(int x, int spin)
    {
        if (spin > 0)
        {
            GC.KeepAlive(OverheadHarness.Work(x, spin));
        }

        return x + 1;
    }
}
