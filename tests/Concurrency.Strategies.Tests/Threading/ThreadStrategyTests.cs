using System.Collections.Concurrent;
using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.Threading;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Threading;

/// <summary>What only the thread strategy promises: dedicated threads, lazily started, ended on idle and dispose, chunked hand-off.</summary>
public sealed class ThreadStrategyTests
{
    [Fact]
    public async Task RunAsync_64BlockingItems_DoNotStarveTheThreadPool()
    {
        const int Blocking = 64;
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = Blocking });
        using var release = new ManualResetEventSlim();
        var blocked = 0;
        var allBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var onPoolThread = 0;

        var run = strategy.ForEachAsync(Enumerable.Range(0, Blocking), (_, ct) =>
        {
            if (Thread.CurrentThread.IsThreadPoolThread)
            {
                Interlocked.Increment(ref onPoolThread);
            }

            if (Interlocked.Increment(ref blocked) == Blocking)
            {
                allBlocked.TrySetResult();
            }

            release.Wait(HangGuard, ct).Should().BeTrue();
        });
        await allBlocked.Task.WaitAsync(HangGuard);

        // With 64 blocked pool threads on a 2-core machine the pool would need seconds of thread injection before
        // this timer callback could run; on dedicated threads it fires at once.
        var fired = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = TimeProvider.System.GetTimestamp();
        using var timer = new Timer(_ => fired.TrySetResult(TimeProvider.System.GetElapsedTime(started)), null, TimeSpan.FromMilliseconds(50), Timeout.InfiniteTimeSpan);
        var firedAfter = await fired.Task.WaitAsync(HangGuard);
        release.Set();
        await run;

        onPoolThread.Should().Be(0, "work runs on dedicated threads, never on thread-pool threads");
        firedAfter.Should().BeLessThan(TimeSpan.FromSeconds(1), "the pool is free while 64 items block");
    }

    [Fact]
    public async Task Constructor_StartsNoThreadUntilWorkArrives()
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 8 });

        strategy.LiveThreads.Should().Be(0);
        (await strategy.InvokeAsync(1, x => x + 1)).Should().Be(2);
        strategy.Threads.CreatedThreads.Should().Be(1, "one item needs one lane, so one thread");
    }

    [Fact]
    public async Task RunAsync_SeveralRuns_ReuseIdleThreads()
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2, IdleTimeout = Timeout.InfiniteTimeSpan });

        for (var run = 0; run < 5; run++)
        {
            (await strategy.InvokeAsync(run, x => x)).Should().Be(run);
        }

        strategy.Threads.CreatedThreads.Should().Be(1, "an idle thread takes the next run's lane");
    }

    [Fact]
    public async Task IdleTimeout_Elapsed_ThreadsExit()
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 4, IdleTimeout = TimeSpan.FromMilliseconds(20) });
        var tracker = new WorkTracker();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await strategy.ForEachAsync(Enumerable.Range(0, 4), async (x, ct) =>
        {
            if (tracker.Enter() == 4)
            {
                reached.TrySetResult();
            }

            await reached.Task.WaitAsync(HangGuard, ct);
        });

        strategy.Threads.CreatedThreads.Should().Be(4);
        SpinWait.SpinUntil(() => strategy.LiveThreads == 0, HangGuard).Should().BeTrue("idle threads exit after IdleTimeout");
    }

    [Fact]
    public async Task DisposeAsync_AfterRuns_StopsEveryThread()
    {
        var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 4, IdleTimeout = Timeout.InfiniteTimeSpan });
        await strategy.RunAsync(Enumerable.Range(0, 1_000), x => x).CollectAsync();
        strategy.LiveThreads.Should().BeGreaterThan(0);

        await strategy.DisposeAsync();

        strategy.LiveThreads.Should().Be(0);
    }

    [Fact]
    public async Task Dispose_Synchronous_StopsEveryThread()
    {
        var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 3, IdleTimeout = Timeout.InfiniteTimeSpan });
        await strategy.RunAsync(Enumerable.Range(0, 100), x => x).CollectAsync();

        strategy.Dispose();

        strategy.LiveThreads.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_FixedBatchSize_EachChunkRunsOnOneThreadInOrder()
    {
        const int Batch = 7;
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 3 });
        var ranOn = new ConcurrentDictionary<int, int>();

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 700), x =>
        {
            ranOn[x] = Environment.CurrentManagedThreadId;
            return x;
        }, new RunOptions { BatchSize = Batch }).CollectAsync();

        outcomes.Should().HaveCount(700);
        for (var x = 0; x < 700; x++)
        {
            if (x % Batch != Batch - 1)
            {
                ranOn[x + 1].Should().Be(ranOn[x], "items {0} and {1} are in the same chunk of {2}", x, x + 1, Batch);
            }
        }
    }

    [Fact]
    public async Task RunAsync_HundredThousandTinyItems_EveryIndexOnceWithAutomaticChunks()
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = Environment.ProcessorCount });
        var seen = new bool[100_000];

        await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, 100_000), x => x ^ 0x5a5a))
        {
            seen[outcome.Index].Should().BeFalse();
            seen[outcome.Index] = true;
            outcome.Result.Should().Be(outcome.Item ^ 0x5a5a);
        }

        seen.Should().OnlyContain(s => s);
    }

    [Fact]
    public async Task RunAsync_AsynchronousWork_BlocksTheDedicatedThreadNotThePool()
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });

        var threads = await strategy.MapAsync(Enumerable.Range(0, 10), async (x, ct) =>
        {
            var before = Thread.CurrentThread;
            await Task.Delay(1, ct).ConfigureAwait(false);
            return before.IsThreadPoolThread;
        }).CollectAsync();

        threads.Should().OnlyContain(onPool => !onPool, "the work starts on the lane's dedicated thread");
    }
}
