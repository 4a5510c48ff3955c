using Concurrency.Strategies.Async;

namespace Concurrency.Strategies.Tests.Contract;

public sealed class AsyncStrategyContractTests : ExecutionStrategyContractTests
{
    protected override IExecutionStrategy CreateStrategy(int maxConcurrency, TimeProvider? timeProvider = null) =>
        new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = maxConcurrency }, timeProvider: timeProvider);

    protected override long MaxOutstanding(int maxConcurrency) => AsyncConstants.WindowCapacity(maxConcurrency);
}
