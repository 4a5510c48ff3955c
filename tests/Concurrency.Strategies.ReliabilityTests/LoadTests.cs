using System.Diagnostics;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.ReliabilityTests.Support;
using Concurrency.Strategies.TestWorkloads;
using Concurrency.Strategies.Threading;
using Xunit.Abstractions;

namespace Concurrency.Strategies.ReliabilityTests;

/// <summary>Load: 100,000 items pending at once, 1,000 blocking items on 256 threads, a process pool at 4x oversubscription. Each finishes; memory and threads are reported.</summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AsyncStrategy_100000ItemsPendingAtOnce_AllFinishWithOneOutcomeEach()
    {
        const int Items = 100_000;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = 0;
        var allPending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var strategy = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = Items });
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        var tally = new Tally(Items);
        var clock = Stopwatch.StartNew();
        var consume = Task.Run(async () =>
        {
            await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, Items), async (int x, CancellationToken _) =>
            {
                if (Interlocked.Increment(ref waiting) == Items)
                {
                    allPending.SetResult();
                }

                await release.Task;
                return x + 1;
            }))
            {
                tally.Add(outcome.Index, outcome.Error, outcome.Result == outcome.Item + 1);
            }
        });

        await allPending.Task.WaitAsync(Reliability.HangGuard);
        var heapPending = GC.GetTotalMemory(forceFullCollection: true);
        var threadsPending = Process.GetCurrentProcess().Threads.Count;
        release.SetResult();
        await consume.WaitAsync(Reliability.HangGuard);

        Reliability.Record(output, "load-async-100k-pending", new Dictionary<string, object>
        {
            ["items"] = Items, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2), ["heapPerPendingItemBytes"] = (heapPending - heapBefore) / Items,
            ["threadsBefore"] = threadsBefore, ["threadsWhilePending"] = threadsPending, ["lost"] = tally.Lost, ["duplicated"] = tally.Duplicated,
        });
        tally.Lost.Should().Be(0);
        tally.Duplicated.Should().Be(0);
        tally.Failed.Should().Be(0);
        tally.Wrong.Should().Be(0);
        (threadsPending - threadsBefore).Should().BeLessThan(64, "pending items hold no thread: the async strategy runs them on the pool");
    }

    [Fact]
    public async Task ThreadStrategy_1000BlockingItemsOn256Threads_AllFinish_ThreadsBoundedAndReleased()
    {
        const int Items = 1_000;
        const int Threads = 256;
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = Threads, IdleTimeout = TimeSpan.FromMilliseconds(200) });
        var running = 0;
        var mostRunning = 0;
        var tally = new Tally(Items);
        var peakThreads = 0;
        var clock = Stopwatch.StartNew();
        await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, Items), x =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostRunning, now);
            Thread.Sleep(20); // a blocking call
            Interlocked.Decrement(ref running);
            return x;
        }).WithCancellation(new CancellationTokenSource(Reliability.HangGuard).Token))
        {
            tally.Add(outcome.Index, outcome.Error, outcome.Result == outcome.Item);
            peakThreads = Math.Max(peakThreads, Reliability.ThreadsNamed("Concurrency.Strategies worker"));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var released = await Reliability.EventuallyAsync(() => Reliability.ThreadsNamed("Concurrency.Strategies worker") == 0, TimeSpan.FromSeconds(5));
        Reliability.Record(output, "load-thread-1000-blocking", new Dictionary<string, object>
        {
            ["items"] = Items, ["maxConcurrency"] = Threads, ["mostRunningAtOnce"] = mostRunning, ["peakThreads"] = peakThreads,
            ["seconds"] = Math.Round(seconds, 2), ["idealSeconds"] = Math.Round(Math.Ceiling(Items / (double)Threads) * 0.02, 2), ["peakRssMB"] = Reliability.PeakRssBytes() / (1024 * 1024),
        });
        tally.Lost.Should().Be(0);
        tally.Duplicated.Should().Be(0);
        tally.Failed.Should().Be(0);
        mostRunning.Should().BeLessThanOrEqualTo(Threads).And.BeGreaterThan(Threads / 2, "blocking items need a thread each, up to the limit");
        peakThreads.Should().BeLessThanOrEqualTo(Threads);
        released.Should().BeTrue("idle threads exit after IdleTimeout");
    }

    [Fact]
    public async Task ProcessStrategy_FourTimesMoreWorkersThanCores_AllItemsFinish()
    {
        var workers = 4 * Environment.ProcessorCount;
        var items = Reliability.Size(400, 4_000);
        await using var strategy = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = workers, ShutdownGracePeriod = TimeSpan.FromSeconds(2) });
        var tally = new Tally(items);
        var limit = 30_000; // ~5 ms of trial division per item here
        var expected = Workloads.CountPrimes(limit);
        var workerPeak = 0L;
        var clock = Stopwatch.StartNew();
        await foreach (var outcome in strategy.RunAsync(Enumerable.Repeat(limit, items), Workloads.CountPrimes, new RunOptions { BatchSize = 1 })
            .WithCancellation(new CancellationTokenSource(Reliability.HangGuard).Token))
        {
            tally.Add(outcome.Index, outcome.Error, outcome.Result == expected);
            if (outcome.Index % 50 == 0)
            {
                workerPeak = Math.Max(workerPeak, strategy.WorkerProcessIds.Sum(pid => Reliability.RssBytes(pid)));
            }
        }

        Reliability.Record(output, "load-process-4x-oversubscribed", new Dictionary<string, object>
        {
            ["items"] = items, ["workers"] = workers, ["cores"] = Environment.ProcessorCount, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
            ["workersRssMB"] = workerPeak / (1024 * 1024), ["workersAlive"] = strategy.WorkerProcessIds.Count,
        });
        tally.Lost.Should().Be(0);
        tally.Duplicated.Should().Be(0);
        tally.Failed.Should().Be(0);
        tally.Wrong.Should().Be(0);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
