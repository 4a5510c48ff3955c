using Concurrency.Strategies.Orleans;
using Concurrency.Strategies.Tests.Support;
using Orleans.TestingHost;
using Polly;
using Polly.Retry;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Cluster;

/// <summary>
/// A silo that dies or stops in the middle of a run, on a cluster of its own: the items it was running are sent to
/// another silo (or fail, when resends are off), and every item still gets exactly one outcome.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class SiloFailureTests : IAsyncLifetime, IDisposable
{
    private const int Items = 300;

    /// <summary>Short, so a killed silo's items are found lost within a second.</summary>
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);
    private readonly Board _board;
    private TestCluster _cluster = null!;

    public SiloFailureTests()
    {
        _board = Board.Create();
        Board.Ambient = _board;
    }

    public async Task InitializeAsync() => _cluster = await ClusterFixture.StartAsync(ClusterFixture.Silos);

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    public void Dispose() => _board.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SiloLostMidRun_ItsItemsRunOnAnotherSilo_NoneLostNoneDuplicated(bool kill)
    {
        await using var strategy = new ClusterStrategy(_cluster.Client, new ClusterStrategyOptions { MaxConcurrency = 12, SiloCheckInterval = CheckInterval });

        var (outcomes, _) = await RunLosingASiloAsync(strategy, kill, options: null);

        AssertOneOutcomePerItem(outcomes);
        outcomes.Should().OnlyContain(o => o.Succeeded && o.Result == o.Item * 2, "every item whose silo was lost was sent to another silo");
        if (kill)
        {
            strategy.SiloFailures.Should().BePositive("the killed silo was running items when it died");
        }
    }

    [Fact]
    public async Task SiloKilledMidRun_WithoutResends_ItsItemsFailWithTheOrleansError_TheRestSucceed()
    {
        await using var strategy = new ClusterStrategy(_cluster.Client, new ClusterStrategyOptions { MaxConcurrency = 12, SiloCheckInterval = CheckInterval, SiloFailureRetries = 0 });

        var (outcomes, runningAtKill) = await RunLosingASiloAsync(strategy, kill: true, options: null);

        AssertOneOutcomePerItem(outcomes);
        var failed = outcomes.Where(o => !o.Succeeded).ToList();
        failed.Should().NotBeEmpty("the killed silo was running items and resends are off");
        failed.Should().OnlyContain(o => ClusterStrategy.IsSiloFailure(o.Error!), "only the lost silo's items fail, with the Orleans exception");
        failed.Count.Should().BeLessThanOrEqualTo(runningAtKill + 12, "only items in flight on the lost silo (or sent to it before the client saw it go) fail");
        outcomes.Where(o => o.Succeeded).Should().OnlyContain(o => o.Result == o.Item * 2);
    }

    [Fact]
    public async Task SiloKilledMidRun_WithoutResends_APollyRetryRunsTheItemsAgain()
    {
        await using var strategy = new ClusterStrategy(_cluster.Client, new ClusterStrategyOptions { MaxConcurrency = 12, SiloCheckInterval = CheckInterval, SiloFailureRetries = 0 });
        var retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ClusterStrategy.IsSiloFailure),
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(50),
        }).Build();

        var (outcomes, _) = await RunLosingASiloAsync(strategy, kill: true, new RunOptions { Resilience = retry });

        AssertOneOutcomePerItem(outcomes);
        outcomes.Should().OnlyContain(o => o.Succeeded && o.Result == o.Item * 2);
        outcomes.Should().Contain(o => o.Attempts > 1, "the items of the killed silo were retried by the pipeline");
    }

    private static void AssertOneOutcomePerItem(List<ItemOutcome<int, long>> outcomes)
    {
        outcomes.Should().HaveCount(Items);
        outcomes.Select(o => o.Index).Order().Should().Equal(Enumerable.Range(0, Items).Select(i => (long)i));
        outcomes.Should().OnlyContain(o => o.Item == o.Index);
    }

    /// <summary>
    /// Runs items of ~20 ms, and once the last silo (never the primary, which holds the test cluster's membership) is
    /// running some of them, kills or stops it. Returns the outcomes and how many items that silo was running.
    /// </summary>
    private async Task<(List<ItemOutcome<int, long>> Outcomes, int RunningAtLoss)> RunLosingASiloAsync(ClusterStrategy strategy, bool kill, RunOptions? options)
    {
        var victim = _cluster.SecondarySilos[^1];
        var registry = ClusterStrategyTests.Registry(victim);
        var outcomes = new List<ItemOutcome<int, long>>();
        var runningAtLoss = 0;
        Task? loss = null;
        await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, Items), static async (x, ct) =>
        {
            await Task.Delay(20, ct);
            return x * 2L;
        }, options).WithCancellation(new CancellationTokenSource(HangGuard).Token))
        {
            outcomes.Add(outcome);
            if (loss is null && outcomes.Count >= 40 && registry.Running > 0)
            {
                runningAtLoss = registry.Running;
                loss = kill ? _cluster.KillSiloAsync(victim) : _cluster.StopSiloAsync(victim);
            }
        }

        loss.Should().NotBeNull("the silo must be lost while the run is going on");
        await loss!;
        _cluster.GetActiveSilos().Should().NotContain(victim, "the silo was killed or stopped");
        return (outcomes, runningAtLoss);
    }
}
