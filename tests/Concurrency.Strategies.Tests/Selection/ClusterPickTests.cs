using Concurrency.Strategies.Selection;
using Microsoft.Extensions.DependencyInjection;

namespace Concurrency.Strategies.Tests.Selection;

/// <summary>The guide's Cluster pick: CPU-bound work whose estimated time on this machine exceeds the user's threshold.</summary>
public sealed class ClusterPickTests
{
    private static readonly int Cores = Environment.ProcessorCount;

    /// <summary>A CPU profile that would keep this machine's cores busy for <paramref name="machineMinutes"/> minutes.</summary>
    private static WorkloadProfile Cpu(double machineMinutes, TimeSpan? threshold, TimeSpan? item = null)
    {
        var duration = item ?? TimeSpan.FromMilliseconds(100);
        return new WorkloadProfile
        {
            Kind = WorkloadKind.CpuBound,
            TaskCount = (long)(machineMinutes * 60_000 / duration.TotalMilliseconds * Cores),
            TypicalItemDuration = duration,
            ClusterThreshold = threshold,
        };
    }

    [Fact]
    public void Recommend_AboveTheThreshold_PicksTheClusterWithTheEstimateInTheReasons()
    {
        var recommendation = DecisionGuide.Recommend(Cpu(machineMinutes: 30, threshold: TimeSpan.FromMinutes(10)));

        recommendation.Kind.Should().Be(StrategyKind.Cluster);
        recommendation.MaxConcurrency.Should().Be(DecisionGuide.DefaultClusterInFlight);
        recommendation.BatchSize.Should().BeNull();
        recommendation.Reasons[0].Should().Contain("about 30 min").And.Contain("above the ClusterThreshold of 10 min").And.Contain("AddOrleansCluster");
        recommendation.Reasons[1].Should().Contain("set ClusterCores");
    }

    [Fact]
    public void Recommend_WithClusterCores_KeepsOneItemPerClusterCoreInFlight()
    {
        var recommendation = DecisionGuide.Recommend(Cpu(30, TimeSpan.FromMinutes(10)) with { ClusterCores = 48 });

        recommendation.Kind.Should().Be(StrategyKind.Cluster);
        recommendation.MaxConcurrency.Should().Be(48);
        recommendation.Reasons[1].Should().Contain("48 cores in all");
    }

    [Fact]
    public void Recommend_WithinTheThreshold_StaysOnThreadsAndSaysWhy()
    {
        var recommendation = DecisionGuide.Recommend(Cpu(machineMinutes: 5, threshold: TimeSpan.FromMinutes(10)));

        recommendation.Kind.Should().Be(StrategyKind.Thread);
        recommendation.Reasons[^1].Should().Contain("Stays on this machine").And.Contain("within the ClusterThreshold");
    }

    [Fact]
    public void Recommend_NoThreshold_NeverPicksTheCluster()
    {
        var recommendation = DecisionGuide.Recommend(Cpu(machineMinutes: 10_000, threshold: null));

        recommendation.Kind.Should().Be(StrategyKind.Thread);
        recommendation.Reasons.Should().NotContain(r => r.Contains("Cluster", StringComparison.Ordinal));
    }

    [Fact]
    public void Recommend_TinyItemsAboveTheThreshold_StayLocalBecauseACallCostsMoreThanTheWork()
    {
        var recommendation = DecisionGuide.Recommend(Cpu(machineMinutes: 60, TimeSpan.FromMinutes(1), item: TimeSpan.FromMicroseconds(100)));

        recommendation.Kind.Should().Be(StrategyKind.Thread);
        recommendation.Reasons[^1].Should().Contain("shorter than 1 ms").And.Contain("Group items");
    }

    [Fact]
    public void Recommend_ThresholdWithoutDuration_StaysLocalAndSaysWhatIsMissing()
    {
        var recommendation = DecisionGuide.Recommend(new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 1_000_000, ClusterThreshold = TimeSpan.FromMinutes(1) });

        recommendation.Kind.Should().Be(StrategyKind.Thread);
        recommendation.Reasons[^1].Should().Contain("needs both TaskCount and TypicalItemDuration");
    }

    [Fact]
    public void Recommend_MixedWorkAboveTheThreshold_RunsItsCpuStageOnTheCluster()
    {
        var recommendation = DecisionGuide.Recommend(Cpu(30, TimeSpan.FromMinutes(10)) with { Kind = WorkloadKind.Mixed });

        recommendation.Stages.Should().HaveCount(2);
        recommendation.Stages[0].Kind.Should().Be(StrategyKind.Async);
        recommendation.Stages[1].Kind.Should().Be(StrategyKind.Cluster);
    }

    [Fact]
    public void Recommend_IsolationRequired_StaysOnProcessesWhateverTheEstimate()
    {
        var recommendation = DecisionGuide.Recommend(Cpu(30, TimeSpan.FromMinutes(10)) with { RequiresIsolation = true });

        recommendation.Kind.Should().Be(StrategyKind.Process);
        recommendation.Reasons[^1].Should().Contain("stay in worker processes");
    }

    [Fact]
    public void Recommend_NoMoreItemsThanCores_StaysLocalWhateverTheirLength()
    {
        var profile = new WorkloadProfile
        {
            Kind = WorkloadKind.CpuBound,
            TaskCount = Cores + 0,
            TypicalItemDuration = TimeSpan.FromHours(2),
            ClusterThreshold = TimeSpan.FromMinutes(1),
        };

        var recommendation = DecisionGuide.Recommend(profile);

        recommendation.Kind.Should().NotBe(StrategyKind.Cluster);
        recommendation.Reasons[^1].Should().Contain("run all").And.Contain("at once already");
    }

    [Fact]
    public void CandidatesFor_AClusterPick_OffersOnlyLocalCandidates()
    {
        var candidates = DecisionGuide.CandidatesFor(Cpu(30, TimeSpan.FromMinutes(10)));

        candidates.Should().NotBeEmpty().And.NotContain(c => c.Kind == StrategyKind.Cluster);
        candidates[0].Kind.Should().Be(StrategyKind.Thread);
    }

    [Fact]
    public async Task CalibrateAsync_ClusterCandidate_ThrowsSayingWhy()
    {
        var act = () => DecisionGuide.CalibrateAsync([1, 2, 3], static (int x, CancellationToken _) => ValueTask.FromResult(x), [new CalibrationCandidate(StrategyKind.Cluster, 8)]);

        (await act.Should().ThrowAsync<ArgumentException>()).WithParameterName("candidates").Which.Message.Should().Contain("cannot run a Cluster candidate");
    }

    [Theory]
    [InlineData(0, null, "ClusterThreshold must be positive")]
    [InlineData(-5, null, "ClusterThreshold must be positive")]
    [InlineData(null, 0, "ClusterCores must be between 1 and 100,000")]
    [InlineData(null, 100_001, "ClusterCores must be between 1 and 100,000")]
    public void Recommend_InvalidClusterSettings_ThrowNamingTheProperty(int? thresholdSeconds, int? cores, string message)
    {
        var profile = new WorkloadProfile
        {
            Kind = WorkloadKind.CpuBound,
            ClusterThreshold = thresholdSeconds is { } s ? TimeSpan.FromSeconds(s) : null,
            ClusterCores = cores,
        };

        FluentActions.Invoking(() => DecisionGuide.Recommend(profile)).Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("profile").Which.Message.Should().Contain(message);
    }

    [Fact]
    public async Task Select_ClusterPickWithoutAClusterRegistered_ThrowsSayingWhatToAdd()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();
        var selector = provider.GetRequiredService<IStrategySelector>();

        FluentActions.Invoking(() => selector.Select(Cpu(30, TimeSpan.FromMinutes(10)))).Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("AddOrleansCluster").And.Contain("ClusterThreshold null");
    }
}
