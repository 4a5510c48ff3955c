using Concurrency.Strategies.Async;
using Concurrency.Strategies.Orleans;
using Concurrency.Strategies.Orleans.Grains;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Tests.Contract;
using Concurrency.Strategies.Tests.Support;
using Polly;

namespace Concurrency.Strategies.Tests.Cluster;

/// <summary>
/// The whole contract, with the work running on stateless worker grains spread over a 3-silo cluster. Work errors
/// come back as <see cref="RemoteWorkException"/>, and work sees the grain's item activity, in the caller's trace.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class ClusterStrategyContractTests : ExecutionStrategyContractTests
{
    private readonly ClusterFixture _fixture;

    public ClusterStrategyContractTests(ClusterFixture fixture)
    {
        _fixture = fixture;
        Board.Ambient = Board;
    }

    protected override string WorkActivityName => WorkItemGrain.ItemActivityName;

    protected override IExecutionStrategy CreateStrategy(int maxConcurrency, TimeProvider? timeProvider = null) =>
        new ClusterStrategy(_fixture.Client, new ClusterStrategyOptions { MaxConcurrency = maxConcurrency }, timeProvider: timeProvider);

    protected override long MaxOutstanding(int maxConcurrency) => AsyncConstants.WindowCapacity(maxConcurrency);

    protected override void AssertWorkError<TException>(Exception? actual, string message) => AssertRemoteWorkError<TException>(actual, message);

    protected override PredicateBuilder<object> HandleWorkError<TException>() => HandleRemoteWorkError<TException>();
}
