using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Tests.Contract;

public sealed class ThreadStrategyContractTests : ExecutionStrategyContractTests
{
    protected override IExecutionStrategy CreateStrategy(int maxConcurrency, TimeProvider? timeProvider = null) =>
        new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = maxConcurrency }, timeProvider: timeProvider);

    protected override long MaxOutstanding(int maxConcurrency) =>
        ThreadConstants.WindowCapacity(maxConcurrency, fixedChunkSize: null);

    protected override void AssertNoWorkersLeft(IExecutionStrategy disposed) =>
        ((ThreadStrategy)disposed).LiveThreads.Should().Be(0, "disposal stops every worker thread");
}
