using Concurrency.Strategies;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.TestWorkloads;

// A worker started through ProcessStrategyOptions.WorkerHost: this app is its own worker host.
if (ProcessWorker.IsWorkerCommandLine(args))
{
    return await ProcessWorker.RunAsync(args);
}

// pool-owner <workers>: owns a busy process pool, prints "pids <pid> <pid> ..." once every worker runs an item,
// then waits to be killed. The no-orphan test kills this process with SIGKILL and checks the workers exit.
if (args is ["pool-owner", var countText])
{
    var count = int.Parse(countText, System.Globalization.CultureInfo.InvariantCulture);
    var strategy = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = count });
    await strategy.WarmUpAsync();
    var run = strategy.RunAsync(Enumerable.Repeat(60_000, count * 4), Workloads.SleepMilliseconds, new RunOptions { BatchSize = 1 });
    var enumerator = run.GetAsyncEnumerator();
    var pending = enumerator.MoveNextAsync();
    while (strategy.WorkerProcessIds.Count < count)
    {
        await Task.Delay(10);
    }

    await Task.Delay(200);
    Console.WriteLine("pids " + string.Join(' ', strategy.WorkerProcessIds));
    await pending;
    return 0;
}

Console.Error.WriteLine("Usage: Concurrency.Strategies.TestWorkloads pool-owner <workers>");
return 2;
