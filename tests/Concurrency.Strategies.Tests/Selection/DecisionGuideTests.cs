using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Selection;
using Concurrency.Strategies.Threading;
using Concurrency.Strategies.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Concurrency.Strategies.Tests.Selection;

public sealed class DecisionGuideTests
{
    private static readonly int Cores = Environment.ProcessorCount;

    public static TheoryData<string, WorkloadProfile, StrategyKind, int, string> Rules => new()
    {
        { "async I/O, 10 items", new() { Kind = WorkloadKind.IoBound, TaskCount = 10 }, StrategyKind.Async, 10, "pending await holds no thread" },
        { "async I/O, 500 items", new() { Kind = WorkloadKind.IoBound, TaskCount = 500 }, StrategyKind.Async, 500, "pending await holds no thread" },
        { "async I/O, 10,000 items", new() { Kind = WorkloadKind.IoBound, TaskCount = 10_000 }, StrategyKind.Async, DecisionGuide.MaxAsyncInFlight, "capped at 1000" },
        { "async I/O, count unknown", new() { Kind = WorkloadKind.IoBound }, StrategyKind.Async, DecisionGuide.DefaultAsyncInFlight, "count unknown" },
        { "blocking I/O, 20 items", new() { Kind = WorkloadKind.IoBound, BlockingApi = true, TaskCount = 20 }, StrategyKind.Thread, 20, "All 20 item(s) can wait at once" },
        { "blocking I/O, 256 items (boundary)", new() { Kind = WorkloadKind.IoBound, BlockingApi = true, TaskCount = 256 }, StrategyKind.Thread, 256, "All 256 item(s)" },
        { "blocking I/O, 10,000 items", new() { Kind = WorkloadKind.IoBound, BlockingApi = true, TaskCount = 10_000 }, StrategyKind.Thread, DecisionGuide.MaxBlockingThreads, "use an async API on the async strategy" },
        { "CPU, tiny items", new() { Kind = WorkloadKind.CpuBound, TaskCount = 1_000_000, TypicalItemDuration = TimeSpan.FromMicroseconds(1) }, StrategyKind.Thread, 4 * Cores, "are tiny" },
        { "CPU, tiny items, fewer items than 4 per core", new() { Kind = WorkloadKind.CpuBound, TaskCount = 3, TypicalItemDuration = TimeSpan.FromMicroseconds(1) }, StrategyKind.Thread, Math.Min(3, 4 * Cores), "4 per core" },
        { "CPU, 1 ms items", new() { Kind = WorkloadKind.CpuBound, TaskCount = 2_000, TypicalItemDuration = TimeSpan.FromMilliseconds(1) }, StrategyKind.Thread, Cores, "one thread per core" },
        { "CPU, 100 ms items", new() { Kind = WorkloadKind.CpuBound, TaskCount = 40, TypicalItemDuration = TimeSpan.FromMilliseconds(100) }, StrategyKind.Thread, Math.Min(40, Cores), "there is no GIL" },
        { "CPU, one item", new() { Kind = WorkloadKind.CpuBound, TaskCount = 1 }, StrategyKind.Async, 1, "nothing to pool" },
        { "CPU, two items", new() { Kind = WorkloadKind.CpuBound, TaskCount = 2 }, StrategyKind.Async, Math.Min(2, Cores), "thread-pool threads that already exist" },
        { "CPU, crash-prone native code", new() { Kind = WorkloadKind.CpuBound, TaskCount = 200, RequiresIsolation = true }, StrategyKind.Process, Math.Min(200, Cores), "fails only its own item" },
        { "I/O that needs isolation", new() { Kind = WorkloadKind.IoBound, TaskCount = 200, RequiresIsolation = true }, StrategyKind.Process, Math.Min(200, 2 * Cores), "2 per core" },
        { "no items", new() { Kind = WorkloadKind.IoBound, TaskCount = 0 }, StrategyKind.Thread, 1, "no items to run" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Recommend_EachRule_PicksTheStrategyConcurrencyAndSaysWhy(string rule, WorkloadProfile profile, StrategyKind kind, int maxConcurrency, string reason)
    {
        var recommendation = DecisionGuide.Recommend(profile);

        recommendation.Kind.Should().Be(kind, rule);
        recommendation.MaxConcurrency.Should().Be(maxConcurrency, rule);
        recommendation.Reasons.Should().NotBeEmpty().And.OnlyContain(r => r.EndsWith('.') || r.EndsWith(')'), "reasons are sentences");
        string.Join(" ", recommendation.Reasons).Should().Contain(reason);
        recommendation.Stages.Should().BeEmpty();
        DecisionGuide.Recommend(profile).Should().BeEquivalentTo(recommendation, "the guide is deterministic");
    }

    [Fact]
    public void Recommend_Mixed_IsAPipelineOfAnIoStageThenACpuStage()
    {
        var recommendation = DecisionGuide.Recommend(new WorkloadProfile { Kind = WorkloadKind.Mixed, TaskCount = 100 });

        recommendation.Stages.Select(s => s.Kind).Should().Equal(StrategyKind.Async, StrategyKind.Thread);
        recommendation.Stages[0].MaxConcurrency.Should().Be(Math.Min(100, DecisionGuide.MixedIoPerCpuWorker * Cores), "the I/O stage only has to keep the CPU stage fed");
        recommendation.Stages[1].MaxConcurrency.Should().Be(Cores);
        DecisionGuide.Recommend(new WorkloadProfile { Kind = WorkloadKind.Mixed, TaskCount = 5 }).Stages[0].MaxConcurrency.Should().Be(Math.Min(5, 8 * Cores), "never more than the items");
        recommendation.Kind.Should().Be(StrategyKind.Thread);
        recommendation.Reasons[0].Should().Contain("pipeline of stages");
    }

    [Fact]
    public void Recommend_MixedWithABlockingApiAndIsolation_UsesThreadsForIoAndProcessesForCpu()
    {
        var recommendation = DecisionGuide.Recommend(new WorkloadProfile { Kind = WorkloadKind.Mixed, TaskCount = 50, BlockingApi = true, RequiresIsolation = true });

        recommendation.Stages.Select(s => s.Kind).Should().Equal(StrategyKind.Thread, StrategyKind.Process);
    }

    public static TheoryData<WorkloadProfile?, Type, string> InvalidProfiles => new()
    {
        { null, typeof(ArgumentNullException), "profile" },
        { new() { Kind = (WorkloadKind)7 }, typeof(ArgumentOutOfRangeException), "WorkloadProfile.Kind must be IoBound, CpuBound or Mixed; got 7." },
        { new() { Kind = WorkloadKind.IoBound, TaskCount = -1 }, typeof(ArgumentOutOfRangeException), "WorkloadProfile.TaskCount must be zero or positive; got -1. Leave it null" },
        { new() { Kind = WorkloadKind.CpuBound, TypicalItemDuration = TimeSpan.FromSeconds(-1) }, typeof(ArgumentOutOfRangeException), "WorkloadProfile.TypicalItemDuration must be zero or positive" },
    };

    [Theory]
    [MemberData(nameof(InvalidProfiles))]
    public void Recommend_InvalidProfile_ThrowsNamingThePropertyAndTheFix(WorkloadProfile? profile, Type exception, string message)
    {
        var act = () => DecisionGuide.Recommend(profile!);

        var error = act.Should().Throw<ArgumentException>().Which;
        error.Should().BeOfType(exception);
        error.ParamName.Should().Be("profile");
        error.Message.Should().Contain(message);
    }

    [Fact]
    public async Task Selector_FromTheContainer_ReturnsTheRegisteredStrategyWithTheRecommendedConcurrency()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();
        var selector = provider.GetRequiredService<IStrategySelector>();
        var profile = new WorkloadProfile { Kind = WorkloadKind.IoBound, BlockingApi = true, TaskCount = 40 };

        var strategy = selector.Select(profile);
        var results = await strategy.MapAsync(Enumerable.Range(0, 40), static x => x + 1).CollectAsync();

        strategy.Kind.Should().Be(StrategyKind.Thread);
        strategy.MaxConcurrency.Should().Be(40);
        results.Should().Equal(Enumerable.Range(1, 40));
        selector.Explain(profile).Should().BeEquivalentTo(DecisionGuide.Recommend(profile));
        await strategy.DisposeAsync();
        provider.GetRequiredService<ThreadStrategy>().LiveThreads.Should().BeGreaterThan(0, "disposing the selected strategy leaves the container's strategy alone");
        provider.GetRequiredService<ProcessStrategy>().LiveWorkerCount.Should().Be(0, "selecting spawns nothing");
        provider.GetRequiredService<AsyncStrategy>().Should().NotBeNull();
    }

    [Fact]
    public async Task Selector_AppliesTheRecommendedConcurrencyOnlyWhereTheRunDoesNotSetItsOwn()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();
        var strategy = provider.GetRequiredService<IStrategySelector>().Select(new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = 3 });
        var running = 0;
        var most = 0;

        await strategy.ForEachAsync(Enumerable.Range(0, 30), async (x, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await Task.Delay(5, ct);
            Interlocked.Decrement(ref running);
        });
        var mostWithOwn = 0;
        running = 0;
        await strategy.ForEachAsync(Enumerable.Range(0, 30), async (x, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostWithOwn, now);
            await Task.Delay(5, ct);
            Interlocked.Decrement(ref running);
        }, new RunOptions { MaxConcurrency = 1 });

        strategy.Kind.Should().Be(StrategyKind.Async);
        most.Should().BeInRange(1, 3, "the recommended concurrency for 3 items is 3");
        mostWithOwn.Should().Be(1, "a run's own MaxConcurrency wins");

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    [Fact]
    public void CandidatesFor_AsyncIo_StartsWithThePickAndAddsItsNeighboursAndTheOtherStrategies()
    {
        var profile = new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = 10_000 };

        var candidates = DecisionGuide.CandidatesFor(profile);

        candidates[0].Should().Be(new CalibrationCandidate(StrategyKind.Async, 1_000), "the static pick comes first");
        candidates.Should().Contain(new CalibrationCandidate(StrategyKind.Async, 250))
            .And.Contain(new CalibrationCandidate(StrategyKind.Async, 4_000))
            .And.Contain(new CalibrationCandidate(StrategyKind.Thread, DecisionGuide.MaxBlockingThreads))
            .And.Contain(new CalibrationCandidate(StrategyKind.Process, 2 * Cores));
        candidates.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public void CandidatesFor_NeverExceedsTheItemCount()
    {
        var candidates = DecisionGuide.CandidatesFor(new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = 3, BlockingApi = true });

        candidates.Should().OnlyContain(c => c.MaxConcurrency >= 1 && c.MaxConcurrency <= 3);
        candidates[0].Should().Be(new CalibrationCandidate(StrategyKind.Thread, 3));
        candidates.Should().NotContain(c => c.Kind == StrategyKind.Async, "blocking calls on the pool measure the pool's idle threads, not the work");
    }

    [Fact]
    public void CandidatesFor_Isolation_OffersOnlyProcesses()
    {
        var candidates = DecisionGuide.CandidatesFor(new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 1_000, RequiresIsolation = true });

        candidates.Should().NotBeEmpty().And.OnlyContain(c => c.Kind == StrategyKind.Process, "running crash-prone work in the calling process would risk it");
        candidates[0].MaxConcurrency.Should().Be(Cores);
        candidates.Should().Contain(new CalibrationCandidate(StrategyKind.Process, 2 * Cores));
    }

    [Fact]
    public void CandidatesFor_CpuAndMixed_CalibrateTheCpuWork()
    {
        var cpu = DecisionGuide.CandidatesFor(new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 1_000 });
        var mixed = DecisionGuide.CandidatesFor(new WorkloadProfile { Kind = WorkloadKind.Mixed, TaskCount = 1_000 });

        cpu[0].Should().Be(new CalibrationCandidate(StrategyKind.Thread, Cores));
        cpu.Should().Contain(new CalibrationCandidate(StrategyKind.Thread, 4 * Cores)).And.Contain(new CalibrationCandidate(StrategyKind.Process, Cores));
        mixed.Should().Equal(cpu);
        var act = () => DecisionGuide.CandidatesFor(null!);
        act.Should().Throw<ArgumentNullException>();
    }
}
