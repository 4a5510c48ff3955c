using System.Diagnostics;
using Concurrency.Strategies.Selection;
using Concurrency.Strategies.Tests.Support;

namespace Concurrency.Strategies.Tests.Selection;

public sealed class CalibrationTests
{
    [Fact]
    public async Task CalibrateAsync_BlockingWork_PicksManyThreadsAndQuotesEveryCandidate()
    {
        var items = Enumerable.Range(0, 64).ToArray();

        var recommendation = await DecisionGuide.CalibrateAsync(
            items,
            static (x, ct) => { Thread.Sleep(20); return ValueTask.FromResult(x); },
            [new(StrategyKind.Thread, 1), new(StrategyKind.Thread, 32)],
            TimeSpan.FromSeconds(4));

        recommendation.Kind.Should().Be(StrategyKind.Thread);
        recommendation.MaxConcurrency.Should().Be(32, "32 threads wait in parallel; one thread waits 64 x 20 ms");
        recommendation.Reasons.Should().HaveCount(3);
        recommendation.Reasons[0].Should().Contain("was fastest at").And.Contain("items/s");
        recommendation.Reasons.Skip(1).Should().OnlyContain(r => r.Contains("p50") && r.Contains("p95") && r.Contains("CPU"));
    }

    [Fact]
    public async Task CalibrateAsync_SynchronousWork_RunsItAsTheStrategiesRunBlockingWork()
    {
        var items = Enumerable.Range(0, 40).ToArray();

        var recommendation = await DecisionGuide.CalibrateAsync(
            items,
            static x => { Thread.Sleep(20); return x; },
            [new(StrategyKind.Thread, 1), new(StrategyKind.Thread, 20)],
            TimeSpan.FromSeconds(3));

        recommendation.MaxConcurrency.Should().Be(20, "20 blocked threads wait in parallel");
        recommendation.Reasons.Should().HaveCount(3);
    }

    [Fact]
    public async Task CalibrateAsync_AsyncLambdaPassedAsSynchronousWork_IsRefusedWithTheFix()
    {
        var act = () => DecisionGuide.CalibrateAsync([1], static async x => { await Task.Yield(); return x; });

        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*never awaited*(item, cancellationToken) =>*");
    }

    [Fact]
    public async Task CalibrateAsync_CandidatesAboveTheSampleSize_RunOnceAtTheSampleSizeAndTheFirstIsKept()
    {
        var items = Enumerable.Range(0, 8).ToArray();

        var recommendation = await DecisionGuide.CalibrateAsync(
            items,
            static async (x, ct) => { await Task.Delay(20, ct); return x; },
            [new(StrategyKind.Async, 1_000), new(StrategyKind.Async, 4_000), new(StrategyKind.Async, 1)],
            TimeSpan.FromSeconds(3));

        recommendation.Kind.Should().Be(StrategyKind.Async);
        recommendation.MaxConcurrency.Should().Be(1_000, "4,000 would run the same 8 items as 1,000, so only the first is tried and kept");
        recommendation.Reasons.Should().HaveCount(3, "the headline and one line per distinct run");
        recommendation.Reasons[1].Should().Contain("Async x1000 (run at 8, the sample size)");
    }

    [Fact]
    public void Pick_CandidatesWithinFivePercent_KeepsTheFirst_AndAClearlyFasterOneWins()
    {
        var tie = DecisionGuide.Pick([Measured(StrategyKind.Async, 4, rate: 100), Measured(StrategyKind.Thread, 4, rate: 104)]);
        var clear = DecisionGuide.Pick([Measured(StrategyKind.Async, 4, rate: 100), Measured(StrategyKind.Thread, 4, rate: 106)]);

        tie.Best.Candidate.Kind.Should().Be(StrategyKind.Async, "within 5% of the fastest, the caller's first candidate is kept");
        clear.Best.Candidate.Kind.Should().Be(StrategyKind.Thread, "6% faster is more than a pilot's noise");
    }

    [Fact]
    public void Pick_ACandidateFailingAClearlyLargerShare_IsLeftOutHoweverFast()
    {
        var pick = DecisionGuide.Pick([Measured(StrategyKind.Async, 8, rate: 1_000, completed: 100, failed: 40), Measured(StrategyKind.Async, 1, rate: 50, completed: 100, failed: 1)]);

        pick.Best.Candidate.MaxConcurrency.Should().Be(1);
        pick.LeastFailing.Should().BeApproximately(0.01, 1e-9);
        pick.Unreliable.Should().ContainSingle().Which.Candidate.MaxConcurrency.Should().Be(8);
    }

    [Fact]
    public void Pick_NothingMeasured_KeepsTheFirstCandidate()
    {
        var pick = DecisionGuide.Pick([Measured(StrategyKind.Thread, 2, rate: 0, completed: 0), Measured(StrategyKind.Async, 2, rate: 0, completed: 0)]);

        pick.Best.Candidate.Kind.Should().Be(StrategyKind.Thread);
        pick.Unreliable.Should().BeEmpty();
    }

    private static CalibrationMeasurement Measured(StrategyKind kind, int concurrency, double rate, int completed = 10, int failed = 0) =>
        new(new CalibrationCandidate(kind, concurrency), completed, failed, TimeSpan.FromSeconds(1), rate, TimeSpan.Zero, TimeSpan.Zero, 0);

    [Fact]
    public async Task CalibrateAsync_BadCandidate_SaysWhatIsWrong()
    {
        var act = () => DecisionGuide.CalibrateAsync([1], static (x, ct) => ValueTask.FromResult(x), [new(StrategyKind.Thread, 0)]);

        (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).WithMessage("*MaxConcurrency of at least 1*Thread x0*");
    }

    [Fact]
    public async Task CalibrateAsync_WorkThatCapturesState_LeavesGivenProcessCandidatesOutAndSaysWhy()
    {
        var offset = 1;
        var profile = new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 100 };

        var recommendation = await DecisionGuide.CalibrateAsync(
            Enumerable.Range(0, 20).ToArray(), x => x + offset, DecisionGuide.CandidatesFor(profile), TimeSpan.FromSeconds(2));

        recommendation.Kind.Should().NotBe(StrategyKind.Process);
        recommendation.Reasons.Should().Contain(r => r.StartsWith("Not tried: Process x", StringComparison.Ordinal) && r.Contains("captures nothing"));
    }

    [Fact]
    public async Task CalibrateAsync_OnlyProcessCandidatesForWorkThatCapturesState_IsRefusedBeforeAnythingRuns()
    {
        var offset = 1;

        var act = () => DecisionGuide.CalibrateAsync([1, 2], x => x + offset, [new(StrategyKind.Process, 2)], TimeSpan.FromSeconds(2));

        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*Every candidate is a process candidate*static method*");
    }

    [Fact]
    public async Task CalibrateAsync_ACandidateWhoseItemsFailFast_DoesNotWin()
    {
        // An item fails fast when another item runs beside it (a server refusing concurrent requests) and succeeds after
        // 5 ms when it runs alone: eight at once finish quickly, almost all failed.
        var recommendation = await DecisionGuide.CalibrateAsync(
            Enumerable.Range(0, 16).ToArray(),
            static async (x, ct) =>
            {
                var crowded = Interlocked.Increment(ref FailFastInFlight) > 1;
                try
                {
                    if (!crowded)
                    {
                        await Task.Delay(5, ct);
                    }

                    return crowded || Volatile.Read(ref FailFastInFlight) > 1 ? throw new InvalidOperationException("too many requests") : x;
                }
                finally
                {
                    Interlocked.Decrement(ref FailFastInFlight);
                }
            },
            [new(StrategyKind.Async, 8), new(StrategyKind.Async, 1)],
            TimeSpan.FromSeconds(3));

        recommendation.MaxConcurrency.Should().Be(1, "only items that succeed count as throughput");
        recommendation.Reasons.Should().Contain(r => r.StartsWith("Async x8", StringComparison.Ordinal) && r.Contains("failed"));
    }

    private static int FailFastInFlight;

    [Fact]
    public async Task CalibrateAsync_NeverRunsLongerThanItsBudget()
    {
        var items = Enumerable.Range(0, 50).ToArray();
        var clock = Stopwatch.StartNew();

        var recommendation = await DecisionGuide.CalibrateAsync(
            items,
            static async (x, ct) => { await Task.Delay(100, ct); return x; },
            [new(StrategyKind.Thread, 1)],
            TimeSpan.FromMilliseconds(300));

        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(4), "the candidate is cancelled at the end of its slice; the whole sample would take 5 s");
        recommendation.Reasons[1].Should().Contain("Thread x1");
    }

    [Fact]
    public async Task CalibrateAsync_NothingFinishesWithinTheBudget_SaysThePickIsNotMeasured()
    {
        var recommendation = await DecisionGuide.CalibrateAsync(
            [1, 2, 3],
            static async (x, ct) => { await Task.Delay(TimeSpan.FromSeconds(30), ct); return x; },
            [new(StrategyKind.Async, 3)],
            TimeSpan.FromMilliseconds(200));

        recommendation.Reasons[0].Should().Contain("No candidate finished an item").And.Contain("raise the budget");
    }

    [Fact]
    public async Task CalibrateAsync_WorkThatCapturesState_LeavesProcessesOutOfTheDefaults()
    {
        var offset = 1;

        var recommendation = await DecisionGuide.CalibrateAsync(
            Enumerable.Range(0, 20).ToArray(),
            (x, ct) => ValueTask.FromResult(x + offset),
            budget: TimeSpan.FromSeconds(1));

        recommendation.Reasons.Should().HaveCount(4, "threads at two levels and async; no process candidate for a closure");
        recommendation.Reasons.Should().NotContain(r => r.StartsWith("Process", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CalibrateAsync_BadArguments_ThrowClearErrors()
    {
        Func<int, CancellationToken, ValueTask<int>> work = static (x, _) => ValueTask.FromResult(x);

        (await FluentActions.Awaiting(() => DecisionGuide.CalibrateAsync(Array.Empty<int>(), work)).Should().ThrowAsync<ArgumentException>())
            .Which.Message.Should().Contain("needs sample items");
        (await FluentActions.Awaiting(() => DecisionGuide.CalibrateAsync([1], work, budget: TimeSpan.Zero)).Should().ThrowAsync<ArgumentOutOfRangeException>())
            .Which.ParamName.Should().Be("budget");
        (await FluentActions.Awaiting(() => DecisionGuide.CalibrateAsync([1], work, candidates: [])).Should().ThrowAsync<ArgumentException>())
            .Which.ParamName.Should().Be("candidates");
        await FluentActions.Awaiting(() => DecisionGuide.CalibrateAsync<int, int>(null!, work)).Should().ThrowAsync<ArgumentNullException>();
    }
}

/// <summary>Runs alone, so any worker host child left after the pilot is the pilot's.</summary>
[Collection(nameof(IsolatedTestGroup))]
public sealed class CalibrationProcessTests
{
    [Fact]
    public async Task CalibrateAsync_ProcessCandidate_RunsInWorkersAndLeavesNoneBehind()
    {
        var recommendation = await DecisionGuide.CalibrateAsync(
            Enumerable.Range(0, 20).ToArray(),
            static (x, ct) => ValueTask.FromResult(Concurrency.Strategies.TestWorkloads.Workloads.Square(x)),
            [new(StrategyKind.Process, 1)],
            TimeSpan.FromSeconds(20));

        recommendation.Kind.Should().Be(StrategyKind.Process);
        recommendation.Reasons[1].Should().Contain("Process x1").And.Contain("20 items");
        ChildProcesses.WorkerHostsOf(Environment.ProcessId).Should().BeEmpty("the pilot's strategy is disposed with its workers (this test runs alone)");
    }
}
