using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Processes.Worker;
using Concurrency.Strategies.Tests.Support;
using Polly;

namespace Concurrency.Strategies.Tests.Contract;

/// <summary>
/// The whole contract, with the work running in worker processes. Work errors come back as
/// <see cref="RemoteWorkException"/> (so the assertions and retry predicates say so), and work sees the worker's
/// batch activity, which continues the caller's trace. At most 8 workers start, whatever the test asks for.
/// </summary>
public sealed class ProcessStrategyContractTests : ExecutionStrategyContractTests
{
    private const int MaxWorkers = 8;

    protected override string WorkActivityName => WorkerLoop.BatchActivityName;

    protected override IExecutionStrategy CreateStrategy(int maxConcurrency, TimeProvider? timeProvider = null)
    {
        var options = new ProcessStrategyOptions { WorkerCount = Math.Min(maxConcurrency, MaxWorkers), ShutdownGracePeriod = TimeSpan.FromSeconds(2) };
        options.EnvironmentVariables[Board.EnvironmentVariable] = Board.Path;
        return new ProcessStrategy(options, timeProvider: timeProvider);
    }

    protected override long MaxOutstanding(int maxConcurrency) =>
        ProcessRun.WindowCapacity(Math.Min(maxConcurrency, MaxWorkers), new ProcessStrategyOptions().BatchesInFlightPerWorker, fixedBatchSize: null);

    protected override void AssertWorkError<TException>(Exception? actual, string message) => AssertRemoteWorkError<TException>(actual, message);

    protected override PredicateBuilder<object> HandleWorkError<TException>() => HandleRemoteWorkError<TException>();

    protected override void AssertNoWorkersLeft(IExecutionStrategy disposed)
    {
        var strategy = (ProcessStrategy)disposed;
        strategy.LiveWorkerCount.Should().Be(0, "disposal stops every worker process");
        ChildProcesses.WorkerHostsOf(Environment.ProcessId)
            .Where(pid => ChildProcesses.EnvironmentOf(pid).Contains($"{Board.EnvironmentVariable}={Board.Path}", StringComparison.Ordinal))
            .Should().BeEmpty("no worker process of this test may outlive the strategy");
    }
}
