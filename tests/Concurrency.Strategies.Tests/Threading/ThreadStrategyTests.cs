using System.Collections.Concurrent;
using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.Threading;
using Polly;
using Polly.Retry;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Threading;

/// <summary>What only the thread strategy promises: dedicated threads, lazily started, ended on idle and dispose, chunked hand-off.</summary>
public sealed class ThreadStrategyTests
{
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
        using var tracker = Board.Create();
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
        await strategy.Threads.WhenNoThreadsAsync().WaitAsync(HangGuard);
        strategy.LiveThreads.Should().Be(0, "idle threads exit after IdleTimeout");
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

    [Fact]
    public async Task RunAsync_RetryWithDelay_EveryAttemptRunsOnTheDedicatedThread()
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 2, Delay = TimeSpan.FromMilliseconds(5) })
            .Build();
        var attemptsOnPool = 0;
        var attempts = new ConcurrentDictionary<int, int>();

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 4), x =>
        {
            if (Thread.CurrentThread.IsThreadPoolThread)
            {
                Interlocked.Increment(ref attemptsOnPool);
            }

            return attempts.AddOrUpdate(x, 1, (_, n) => n + 1) < 3 ? throw new InvalidOperationException("again") : x;
        }, new RunOptions { Resilience = pipeline }).CollectAsync();

        outcomes.Should().OnlyContain(o => o.Succeeded && o.Attempts == 3);
        attemptsOnPool.Should().Be(0, "a retry's delay must not move blocking work onto the thread pool");
    }

    [Fact]
    public async Task DisposeAsync_AfterEnumeratorsAbandonedBeforeTheirFirstMoveNext_CompletesAtOnce()
    {
        var strategy = new ThreadStrategy();
        using var longLived = new CancellationTokenSource();
        for (var i = 0; i < 100; i++)
        {
            var enumerator = strategy.RunAsync(Enumerable.Range(0, 10), x => x, cancellationToken: longLived.Token).GetAsyncEnumerator();
            await enumerator.DisposeAsync();
        }

        await strategy.DisposeAsync().AsTask().WaitAsync(HangGuard);

        strategy.LiveThreads.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_FixedBatchSize_StillReachesMaxConcurrency()
    {
        const int Lanes = 8;
        const int Batch = 50;
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = Lanes });
        using var tracker = Board.Create();
        var allRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, Lanes * Batch * 2), (x, ct) =>
        {
            // The first item of each of the first chunks holds its lane until every lane holds one.
            if (x % Batch == 0 && x < Lanes * Batch)
            {
                if (tracker.Enter() == Lanes)
                {
                    allRunning.TrySetResult();
                }

                allRunning.Task.Wait(HangGuard, ct).Should().BeTrue("every lane must get a whole chunk of {0}", Batch);
                tracker.Exit();
            }

            return x;
        }, new RunOptions { BatchSize = Batch }).CollectAsync();

        outcomes.Should().HaveCount(Lanes * Batch * 2);
        tracker.MaxRunning.Should().Be(Lanes);
    }
}
