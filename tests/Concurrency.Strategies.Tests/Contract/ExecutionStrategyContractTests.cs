using System.Collections.Concurrent;
using System.Diagnostics;
using Concurrency.Strategies.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Polly;
using Polly.Retry;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Contract;

/// <summary>
/// The semantics every <see cref="IExecutionStrategy"/> obeys (DESIGN.md, "Semantics every strategy obeys"),
/// proven once and run against each strategy by a subclass.
/// </summary>
/// <remarks>
/// Every work body is a <see langword="static"/> lambda, so the same tests run in worker processes (the process
/// strategy refuses closures). Work reaches the test's state through <see cref="Board"/>, a memory-mapped file
/// that the test and every worker process share; named slots below.
/// </remarks>
public abstract class ExecutionStrategyContractTests : IDisposable
{
    // Named board slots (flags and counters) used by the tests.
    private const int FlagA = 2;
    private const int FlagB = 3;
    private const int CounterA = 4;
    private const int CounterB = 5;

    protected ExecutionStrategyContractTests()
    {
        Board = Board.Create();
    }

    /// <summary>Gets the test's board: counters, flags and the work tracker, shared with worker processes.</summary>
    private protected Board Board { get; }

    /// <summary>Creates the strategy under test; the test disposes it.</summary>
    protected abstract IExecutionStrategy CreateStrategy(int maxConcurrency, TimeProvider? timeProvider = null);

    /// <summary>The name of the activity the work sees as <see cref="Activity.Current"/> (in the caller's trace).</summary>
    protected virtual string WorkActivityName => "concurrency.strategies.run";

    /// <summary>Asserts that <paramref name="actual"/> is what work that threw <typeparamref name="TException"/> with <paramref name="message"/> yields.</summary>
    protected virtual void AssertWorkError<TException>(Exception? actual, string message)
        where TException : Exception =>
        actual.Should().BeOfType<TException>().Which.Message.Should().Be(message);

    /// <summary>A retry predicate for work that throws <typeparamref name="TException"/>, as a user of this strategy writes it.</summary>
    protected virtual PredicateBuilder<object> HandleWorkError<TException>()
        where TException : Exception => new PredicateBuilder().Handle<TException>();

    /// <summary>For strategies whose work runs elsewhere (processes, silos): the error is a <see cref="global::Concurrency.Strategies.Processes.RemoteWorkException"/> naming the original.</summary>
    protected static void AssertRemoteWorkError<TException>(Exception? actual, string message)
        where TException : Exception
    {
        var remote = actual.Should().BeOfType<global::Concurrency.Strategies.Processes.RemoteWorkException>().Subject;
        remote.RemoteType.Should().Be(typeof(TException).FullName);
        remote.RemoteMessage.Should().Be(message);
    }

    /// <summary>The retry predicate a user of a remote strategy writes: on the original exception's type name.</summary>
    protected static PredicateBuilder<object> HandleRemoteWorkError<TException>()
        where TException : Exception =>
        new PredicateBuilder().Handle<global::Concurrency.Strategies.Processes.RemoteWorkException>(e => e.RemoteType == typeof(TException).FullName);

    public void Dispose()
    {
        Board.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The documented bound on items pulled from the source and not yet taken by the consumer.</summary>
    protected abstract long MaxOutstanding(int maxConcurrency);

    /// <summary>Asserts that a disposed strategy left no worker (thread, process) behind.</summary>
    protected virtual void AssertNoWorkersLeft(IExecutionStrategy disposed)
    {
    }

    [Fact]
    public async Task RunAsync_TenThousandItemsWithRandomDelays_YieldsExactlyOneOutcomePerItem()
    {
        await using var strategy = CreateStrategy(8);
        var items = Enumerable.Range(0, 10_000).ToArray();

        var outcomes = await strategy.RunAsync(items, static async (x, ct) =>
        {
            switch (Hash(x) % 20)
            {
                case 0:
                    await Task.Delay(1, ct);
                    break;
                case < 8:
                    await Task.Yield();
                    break;
                default:
                    Thread.SpinWait(Hash(x) % 200);
                    break;
            }

            return x * 2L;
        }).CollectAsync();

        outcomes.Should().HaveCount(items.Length);
        // Sorted, then compared in order: an unordered equivalence check is quadratic on 10,000 shuffled outcomes.
        outcomes.Select(o => o.Index).Order().Should().Equal(Enumerable.Range(0, items.Length).Select(i => (long)i));
        outcomes.Should().OnlyContain(o => o.Succeeded && o.Item == o.Index && o.Result == 2 * o.Item && o.Attempts == 1 && o.Duration >= TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_ManyLanes_YieldsExactlyOneOutcomePerItem()
    {
        // Above 64 lanes the consumer follows announced outboxes instead of sweeping them all.
        const int Lanes = 200;
        await using var strategy = CreateStrategy(Lanes);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 4_000), static async (x, ct) =>
        {
            var board = Board.Current;
            board.Enter();
            try
            {
                if (Hash(x) % 4 == 0)
                {
                    await Task.Delay(1, ct);
                }
                else
                {
                    await Task.Yield();
                }

                return x;
            }
            finally
            {
                board.Exit();
            }
        }).CollectAsync();

        outcomes.Select(o => o.Index).Should().OnlyHaveUniqueItems().And.HaveCount(4_000);
        outcomes.Should().OnlyContain(o => o.Succeeded && o.Result == o.Item);
        Board.MaxRunning.Should().BeInRange(2, Lanes);
    }

    [Fact]
    public async Task RunAsync_SynchronousSourceAndWork_YieldsEveryResult()
    {
        await using var strategy = CreateStrategy(3);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 5_000), static x => x + 1).CollectAsync();

        outcomes.Select(o => o.Result).Order().Should().Equal(Enumerable.Range(1, 5_000));
    }

    [Fact]
    public async Task RunAsync_InFlight_NeverExceedsCapAndReachesIt()
    {
        const int Cap = 4;
        await using var strategy = CreateStrategy(Cap);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 200), static async (x, ct) =>
        {
            var board = Board.Current;
            if (board.Enter() == Cap)
            {
                board.Signal(FlagA);
            }

            try
            {
                // The first items hold their slots until the cap is reached, so reaching it is certain, not luck.
                if (x < Cap)
                {
                    await board.WaitAsync(FlagA, ct);
                }
                else
                {
                    await Task.Yield();
                }

                return x;
            }
            finally
            {
                board.Exit();
            }
        }).CollectAsync();

        outcomes.Should().HaveCount(200).And.OnlyContain(o => o.Succeeded);
        Board.MaxRunning.Should().Be(Cap);
        strategy.MaxConcurrency.Should().BeGreaterThan(0);
    }

    [Fact]
    public async Task RunAsync_RunOptionsMaxConcurrency_OverridesTheStrategyDefault()
    {
        await using var strategy = CreateStrategy(8);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 300), static async (x, ct) =>
        {
            var board = Board.Current;
            board.Enter();
            await Task.Yield();
            board.Exit();
            return x;
        }, new RunOptions { MaxConcurrency = 2 }).CollectAsync();

        outcomes.Should().HaveCount(300);
        Board.MaxRunning.Should().BeInRange(1, 2);
    }

    [Fact]
    public async Task RunAsync_InfiniteSynchronousSource_PullsLazilyWithinBoundedReadAhead()
    {
        const int Cap = 4;
        await using var strategy = CreateStrategy(Cap);
        long pulled = 0;
        var sourceDisposed = false;
        IEnumerable<int> Infinite()
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    Interlocked.Increment(ref pulled);
                    yield return i;
                }
            }
            finally
            {
                sourceDisposed = true;
            }
        }

        var consumed = 0L;
        var worstLead = 0L;
        await foreach (var outcome in strategy.RunAsync(Infinite(), static x => x))
        {
            consumed++;
            worstLead = Math.Max(worstLead, Interlocked.Read(ref pulled) - consumed);
            if (consumed == 20_000)
            {
                break;
            }
        }

        worstLead.Should().BeLessThanOrEqualTo(MaxOutstanding(Cap));
        sourceDisposed.Should().BeTrue("ending the enumeration disposes the source");
        var pulledAtEnd = Interlocked.Read(ref pulled);
        pulledAtEnd.Should().BeLessThanOrEqualTo(consumed + MaxOutstanding(Cap));
    }

    [Fact]
    public async Task RunAsync_InfiniteAsynchronousSource_PullsLazilyWithinBoundedReadAhead()
    {
        const int Cap = 3;
        await using var strategy = CreateStrategy(Cap);
        long pulled = 0;
        async IAsyncEnumerable<int> Infinite()
        {
            for (var i = 0; ; i++)
            {
                if (i % 16 == 0)
                {
                    await Task.Yield();
                }

                Interlocked.Increment(ref pulled);
                yield return i;
            }
        }

        var consumed = 0L;
        var worstLead = 0L;
        await foreach (var outcome in strategy.RunAsync(Infinite(), static async (x, ct) => { await Task.Yield(); return x; }))
        {
            consumed++;
            worstLead = Math.Max(worstLead, Interlocked.Read(ref pulled) - consumed);
            if (consumed == 3_000)
            {
                break;
            }
        }

        worstLead.Should().BeLessThanOrEqualTo(MaxOutstanding(Cap));
    }

    [Fact]
    public async Task RunAsync_Ordered_YieldsInInputOrder()
    {
        await using var strategy = CreateStrategy(6);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 2_000), static async (x, ct) =>
        {
            if (Hash(x) % 10 == 0)
            {
                await Task.Delay(1, ct);
            }
            else if (Hash(x) % 3 == 0)
            {
                await Task.Yield();
            }

            return x;
        }, new RunOptions { Ordered = true }).CollectAsync();

        outcomes.Select(o => o.Index).Should().Equal(Enumerable.Range(0, 2_000).Select(i => (long)i));
        outcomes.Select(o => o.Result).Should().Equal(Enumerable.Range(0, 2_000));
    }

    [Fact]
    public async Task RunAsync_OrderedWithSlowHead_ReorderBufferStaysWithinTheWindow()
    {
        const int Cap = 4;
        await using var strategy = CreateStrategy(Cap);
        var window = MaxOutstanding(Cap);
        var board = Board;
        IEnumerable<int> Source()
        {
            for (var i = 0; i < window + 100; i++)
            {
                // Nothing can be consumed before item 0 finishes, so every pull past the window would be a breach;
                // item 0 is released only once the window is full.
                if (board.Add(CounterA) == window)
                {
                    board.Signal(FlagA);
                }

                yield return i;
            }
        }

        var outcomes = await strategy.RunAsync(Source(), static async (x, ct) =>
        {
            if (x == 0)
            {
                var board = Board.Current;
                await board.WaitAsync(FlagA, ct);
                board.Set(CounterB, board.Read(CounterA));
            }

            return x;
        }, new RunOptions { Ordered = true }).CollectAsync();

        outcomes.Select(o => o.Index).Should().Equal(Enumerable.Range(0, (int)window + 100).Select(i => (long)i));
        Board.Read(CounterB).Should().Be(window, "lanes stop pulling when the reorder buffer fills the window");
    }

    [Fact]
    public async Task RunAsync_Unordered_YieldsInCompletionOrder()
    {
        await using var strategy = CreateStrategy(2);

        var order = new List<long>();
        await foreach (var outcome in strategy.RunAsync(new[] { 0, 1 }, static async (x, ct) =>
        {
            if (x == 0)
            {
                // Item 0 finishes only after the consumer has seen item 1: completion order, streamed.
                await Board.Current.WaitAsync(FlagA, ct);
            }

            return x;
        }))
        {
            order.Add(outcome.Index);
            Board.Signal(FlagA);
        }

        order.Should().Equal(1, 0);
    }

    [Fact]
    public async Task RunAsync_SlowItemAfterManyTinyOnes_EarlierOutcomesArriveBeforeItFinishes()
    {
        // One lane, so tiny items travel in chunks; the last item waits until the consumer has seen the one
        // before it. An outcome held back until its chunk ends would deadlock here (the hang guard fails it).
        const int Count = 5_000;
        await using var strategy = CreateStrategy(1);

        var seen = 0;
        await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, Count), static (x, ct) =>
        {
            if (x == Count - 1 && !Board.Current.Wait(FlagA, ct))
            {
                throw new TimeoutException($"The outcome of item {Count - 2} never reached the consumer while item {Count - 1} ran.");
            }

            return x;
        }))
        {
            seen++;
            outcome.Succeeded.Should().BeTrue();
            if (outcome.Index == Count - 2)
            {
                Board.Signal(FlagA);
            }
        }

        seen.Should().Be(Count);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_FailureIsAnOutcomeAndRunContinues()
    {
        await using var strategy = CreateStrategy(4);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 300), static async (x, ct) =>
        {
            if (x % 3 == 0)
            {
                throw new InvalidOperationException($"item {x} failed synchronously");
            }

            await Task.Yield();
            if (x % 3 == 1)
            {
                throw new FormatException($"item {x} failed after an await");
            }

            return x;
        }).CollectAsync();

        outcomes.Should().HaveCount(300);
        var byIndex = outcomes.ToDictionary(o => o.Index);
        for (var x = 0; x < 300; x++)
        {
            var outcome = byIndex[x];
            switch (x % 3)
            {
                case 0:
                    AssertWorkError<InvalidOperationException>(outcome.Error, $"item {x} failed synchronously");
                    outcome.Result.Should().Be(default);
                    break;
                case 1:
                    AssertWorkError<FormatException>(outcome.Error, $"item {x} failed after an await");
                    break;
                default:
                    outcome.Succeeded.Should().BeTrue();
                    outcome.Result.Should().Be(x);
                    break;
            }
        }
    }

    [Fact]
    public async Task MapAsync_ItemFails_ThrowsThatFailureAndCancelsTheRest()
    {
        await using var strategy = CreateStrategy(4);

        var results = new List<int>();
        var act = async () =>
        {
            await foreach (var result in strategy.MapAsync(Enumerable.Range(0, 10_000), static async (x, ct) =>
            {
                var board = Board.Current;
                board.Enter();
                try
                {
                    if (x == 50)
                    {
                        throw new InvalidOperationException("item 50 failed");
                    }

                    if (x > 50)
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }

                    return x;
                }
                finally
                {
                    board.Exit();
                }
            }))
            {
                results.Add(result);
            }
        };

        AssertWorkError<InvalidOperationException>((await act.Should().ThrowAsync<Exception>()).Which, "item 50 failed");
        Board.Running.Should().Be(0, "no work may still run once MapAsync has thrown");
        Board.Started.Should().BeLessThan(10_000, "the failure cancels the rest");
        results.Should().Equal(Enumerable.Range(0, results.Count), "results come in input order");
        results.Count.Should().BeLessThanOrEqualTo(50);
    }

    [Fact]
    public async Task MapAsync_AllSucceed_YieldsResultsInInputOrder()
    {
        await using var strategy = CreateStrategy(5);

        var results = await strategy.MapAsync(RangeAsync(0, 500), static async (x, ct) =>
        {
            if (Hash(x) % 4 == 0)
            {
                await Task.Yield();
            }

            return x * x;
        }).CollectAsync();

        results.Should().Equal(Enumerable.Range(0, 500).Select(x => x * x));
    }

    [Fact]
    public async Task ForEachAsync_ItemFails_ThrowsThatFailureAndCancelsTheRest()
    {
        await using var strategy = CreateStrategy(4);

        var act = () => strategy.ForEachAsync(Enumerable.Range(0, 10_000), static async (x, ct) =>
        {
            var board = Board.Current;
            board.Enter();
            try
            {
                if (x == 20)
                {
                    throw new ArgumentException("item 20 is bad");
                }

                if (x > 20)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
            }
            finally
            {
                board.Exit();
            }
        });

        AssertWorkError<ArgumentException>((await act.Should().ThrowAsync<Exception>()).Which, "item 20 is bad");
        Board.Running.Should().Be(0);
        Board.Started.Should().BeLessThan(10_000);
    }

    [Fact]
    public async Task ForEachAsync_AllSucceed_RunsEveryItemOnce()
    {
        await using var strategy = CreateStrategy(3);

        await strategy.ForEachAsync(Enumerable.Range(0, 1_000), static x => { Board.Current.CountItem(x); });

        Enumerable.Range(0, 1_000).Select(Board.ItemCount).Should().OnlyContain(n => n == 1);
        Board.ItemCount(1_000).Should().Be(0);
    }

    [Fact]
    public async Task InvokeAsync_OneItem_ReturnsItsResultOrThrowsItsException()
    {
        await using var strategy = CreateStrategy(2);

        (await strategy.InvokeAsync(21, static x => x * 2)).Should().Be(42);
        var act = () => strategy.InvokeAsync<int, int>(1, static x => throw new NotSupportedException("no"));
        AssertWorkError<NotSupportedException>((await act.Should().ThrowAsync<Exception>()).Which, "no");
    }

    [Fact]
    public async Task RunAsync_CancelledMidRun_ThrowsAndLeavesNoWorkRunning()
    {
        var strategy = CreateStrategy(4);
        using var cts = new CancellationTokenSource();

        var consumed = 0;
        var act = async () =>
        {
            await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, int.MaxValue), static async (x, ct) =>
            {
                var board = Board.Current;
                board.Enter();
                try
                {
                    // Two items hold their lanes until cancelled; the other lanes keep the run going.
                    if (x is 3 or 103)
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }

                    await Task.Yield();
                    return x;
                }
                finally
                {
                    board.Exit();
                }
            }, cancellationToken: cts.Token))
            {
                if (++consumed == 200)
                {
                    await cts.CancelAsync();
                }
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>();
        Board.Running.Should().Be(0, "the enumeration ends only after running work has returned (or its worker is gone)");
        await strategy.DisposeAsync();
        AssertNoWorkersLeft(strategy);
    }

    [Fact]
    public async Task RunAsync_TokenAlreadyCancelled_ThrowsWithoutRunningAnything()
    {
        await using var strategy = CreateStrategy(2);

        var act = () => strategy.RunAsync(Enumerable.Range(0, 10), static x => { Board.Current.Enter(); return x; }, cancellationToken: new CancellationToken(true)).CollectAsync();

        await act.Should().ThrowAsync<OperationCanceledException>();
        Board.Started.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_EnumeratorTokenCancelled_ThrowsAndLeavesNoWorkRunning()
    {
        await using var strategy = CreateStrategy(3);
        using var cts = new CancellationTokenSource();

        var act = async () =>
        {
            await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, int.MaxValue), static (x, ct) => Board.Current.RunUntilCancelledAsync(x, ct)).WithCancellation(cts.Token))
            {
            }
        };

        var running = act();
        await Board.WhenRunning(3).WaitAsync(HangGuard);
        await cts.CancelAsync();
        await running.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
        Board.Running.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_ConsumerBreaksEarly_StopsPullingAndLeavesNoWorkRunning()
    {
        await using var strategy = CreateStrategy(4);

        await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, int.MaxValue), static async (x, ct) =>
        {
            var board = Board.Current;
            board.Enter();
            try
            {
                await Task.Yield();
                return x;
            }
            finally
            {
                board.Exit();
            }
        }))
        {
            if (outcome.Index >= 100)
            {
                break;
            }
        }

        Board.Running.Should().Be(0);
        var started = Board.Started;
        started.Should().BeLessThanOrEqualTo((int)(200 + MaxOutstanding(4)));
    }

    [Fact]
    public async Task RunAsync_ItemTimeout_FailsSlowItemWithTimeoutAndRunGoesOn()
    {
        // One lane: while the slow item waits, no other item is in flight, so the clock jump can time out only it.
        var time = new FakeTimeProvider();
        await using var strategy = CreateStrategy(1, time);
        var options = new RunOptions { ItemTimeout = TimeSpan.FromSeconds(5) };

        var advance = Task.Run(async () =>
        {
            await Board.WaitAsync(FlagA);
            time.Advance(TimeSpan.FromSeconds(6));
        });
        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 20), static async (x, ct) =>
        {
            if (x == 3)
            {
                Board.Current.Signal(FlagA);
                await Task.Delay(Timeout.Infinite, ct);
            }

            return x;
        }, options).CollectAsync();
        await advance;

        outcomes.Should().HaveCount(20);
        var slow = outcomes.Single(o => o.Index == 3);
        slow.Error.Should().BeOfType<TimeoutException>()
            .Which.Message.Should().Contain("Item 3").And.Contain("ItemTimeout").And.Contain("00:00:05");
        slow.Error!.InnerException.Should().BeAssignableTo<OperationCanceledException>();
        outcomes.Where(o => o.Index != 3).Should().OnlyContain(o => o.Succeeded && o.Result == o.Item);
    }

    [Fact]
    public async Task RunAsync_ItemTimeoutWithRetries_CoversEveryAttempt()
    {
        var time = new FakeTimeProvider();
        await using var strategy = CreateStrategy(2, time);
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 5, Delay = TimeSpan.Zero, ShouldHandle = HandleWorkError<InvalidOperationException>() })
            .Build();

        var advance = Task.Run(async () =>
        {
            await Board.WaitAsync(FlagA);
            time.Advance(TimeSpan.FromSeconds(2));
        });
        var outcome = (await strategy.RunAsync(new[] { 7 }, static async (x, ct) =>
        {
            var board = Board.Current;
            if (board.Add(CounterA) == 1)
            {
                throw new InvalidOperationException("first attempt fails fast");
            }

            board.Signal(FlagA);
            await Task.Delay(Timeout.Infinite, ct);
            return x;
        }, new RunOptions { ItemTimeout = TimeSpan.FromSeconds(1), Resilience = pipeline }).CollectAsync()).Single();
        await advance;

        outcome.Error.Should().BeOfType<TimeoutException>();
        outcome.Attempts.Should().Be(2, "the timeout ends the item, retries included; no third attempt starts");
        Board.Read(CounterA).Should().Be(2);
    }

    [Fact]
    public async Task RunAsync_RetryPipeline_RetriesAndCountsAttempts()
    {
        await using var strategy = CreateStrategy(4);
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                Delay = TimeSpan.Zero,
                ShouldHandle = HandleWorkError<InvalidOperationException>(),
            })
            .Build();

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 21), static (x, ct) =>
        {
            var attempt = Board.Current.CountItem(x);
            if (x == 20 || attempt <= x % 4)
            {
                throw new InvalidOperationException($"item {x} attempt {attempt}");
            }

            return ValueTask.FromResult(x);
        }, new RunOptions { Resilience = pipeline }).CollectAsync();

        outcomes.Should().HaveCount(21);
        foreach (var outcome in outcomes.Where(o => o.Index < 20))
        {
            outcome.Succeeded.Should().BeTrue();
            outcome.Attempts.Should().Be((int)(outcome.Index % 4) + 1);
        }

        var hopeless = outcomes.Single(o => o.Index == 20);
        hopeless.Attempts.Should().Be(4);
        AssertWorkError<InvalidOperationException>(hopeless.Error, "item 20 attempt 4");
    }

    [Fact]
    public async Task RunAsync_Progress_ReportsAreThrottledMonotonicAndTheFinalOneIsExact()
    {
        var time = new FakeTimeProvider();
        await using var strategy = CreateStrategy(4, time);
        var progress = new RecordingProgress();

        IEnumerable<int> Source()
        {
            // Each item pulled moves the fake clock on by 30 ms, so ~3 s pass and the 100 ms throttle bites.
            for (var i = 0; i < 100; i++)
            {
                time.Advance(TimeSpan.FromMilliseconds(30));
                yield return i;
            }
        }

        var outcomes = await strategy.RunAsync(Source(), static async (x, ct) =>
        {
            await Task.Yield();
            if (x % 10 == 0)
            {
                throw new InvalidOperationException("tenth");
            }

            return x;
        }, new RunOptions { Progress = progress, TotalCount = 100 }).CollectAsync();

        outcomes.Should().HaveCount(100);
        var reports = progress.Reports;
        reports.Count.Should().BeInRange(3, 60, "reports are throttled to one per 100 ms of a ~3 s run, plus a first and a last");
        reports[0].Completed.Should().Be(0);
        reports.Select(r => r.Completed).Should().BeInAscendingOrder();
        reports.Select(r => r.Failed).Should().BeInAscendingOrder();
        reports.Select(r => r.Elapsed).Should().BeInAscendingOrder();
        reports.Should().OnlyContain(r => r.Failed <= r.Completed && r.InFlight >= 0 && r.InFlight <= 4 && r.Total == 100);
        var last = reports[^1];
        last.Should().Be(new RunProgress(100, 10, 0, 100, last.Elapsed, TimeSpan.Zero));
        last.Elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(3_000));
        reports.Where(r => r.Completed > 0 && r.Completed < 100).Should().OnlyContain(r => r.EstimatedRemaining > TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_ProgressWithUnknownTotal_HasNoTotalOrEstimateUnlessHinted()
    {
        await using var strategy = CreateStrategy(2);
        var unknown = new RecordingProgress();
        var hinted = new RecordingProgress();

        await strategy.RunAsync(RangeAsync(0, 50), static x => x, new RunOptions { Progress = unknown }).CollectAsync();
        await strategy.RunAsync(RangeAsync(0, 50), static x => x, new RunOptions { Progress = hinted, TotalCount = 50 }).CollectAsync();

        unknown.Reports.Should().OnlyContain(r => r.Total == null && r.EstimatedRemaining == null);
        unknown.Reports[^1].Completed.Should().Be(50);
        hinted.Reports.Should().OnlyContain(r => r.Total == 50);
        hinted.Reports[^1].EstimatedRemaining.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_SourceThrows_EnumerationThrowsTheSourceErrorAndNoWorkIsLeft()
    {
        await using var strategy = CreateStrategy(3);
        IEnumerable<int> Broken()
        {
            for (var i = 0; i < 100; i++)
            {
                yield return i;
            }

            throw new IOException("source broke after 100 items");
        }

        var act = () => strategy.RunAsync(Broken(), static async (x, ct) =>
        {
            var board = Board.Current;
            board.Enter();
            await Task.Yield();
            board.Exit();
            return x;
        }).CollectAsync();

        (await act.Should().ThrowExactlyAsync<IOException>()).WithMessage("source broke after 100 items");
        Board.Running.Should().Be(0);
    }

    [Fact]
    public async Task RunAsync_EnumeratedTwice_RunsTheWorkTwice()
    {
        await using var strategy = CreateStrategy(2);
        var outcomes = strategy.RunAsync(Enumerable.Range(0, 10), static x => Board.Current.Add(CounterA));

        (await outcomes.CollectAsync()).Should().HaveCount(10);
        (await outcomes.CollectAsync()).Should().HaveCount(10);
        Board.Read(CounterA).Should().Be(20);
    }

    [Fact]
    public async Task RunAsync_EmptySource_CompletesWithNoOutcomes()
    {
        await using var strategy = CreateStrategy(2);

        (await strategy.RunAsync(Array.Empty<int>(), static x => x).CollectAsync()).Should().BeEmpty();
        (await strategy.RunAsync(RangeAsync(0, 0), static x => x).CollectAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task RunAsync_AfterDispose_ThrowsObjectDisposedAtOnce()
    {
        var strategy = CreateStrategy(2);
        await strategy.DisposeAsync();

        var act = () => strategy.RunAsync(Enumerable.Range(0, 3), static x => x);

        act.Should().ThrowExactly<ObjectDisposedException>().Which.Message.Should().Contain("create a new one");
        await strategy.DisposeAsync();
    }

    [Fact]
    public async Task DisposeAsync_DuringRun_CancelsWorkAndEndsTheEnumeration()
    {
        var strategy = CreateStrategy(3);

        var run = strategy.RunAsync(Enumerable.Range(0, int.MaxValue), static (x, ct) => Board.Current.RunUntilCancelledAsync(x, ct)).CollectAsync();
        await Board.WhenRunning(3).WaitAsync(HangGuard);

        await strategy.DisposeAsync();

        (await run.Invoking(r => r).Should().ThrowExactlyAsync<ObjectDisposedException>()).Which.Message.Should().Contain("disposed while this run was in progress");
        Board.Running.Should().Be(0);
        AssertNoWorkersLeft(strategy);
    }

    [Fact]
    public async Task RunAsync_WithActivityListener_WorkRunsInsideTheRunActivity()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == global::Concurrency.Strategies.Telemetry.ConcurrencyStrategiesTelemetry.ActivitySourceName || s.Name == "contract-tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var testSource = new ActivitySource("contract-tests");
        using var parent = testSource.StartActivity("parent");
        await using var strategy = CreateStrategy(2);

        var seen = await strategy.MapAsync(Enumerable.Range(0, 8), static x => (Activity.Current?.OperationName, Activity.Current?.TraceId.ToHexString())).CollectAsync();

        seen.Should().OnlyContain(s => s.Item1 == WorkActivityName && s.Item2 == parent!.TraceId.ToHexString(), "the work runs in the caller's trace");
    }
}
