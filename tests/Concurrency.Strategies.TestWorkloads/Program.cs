using Concurrency.Strategies;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.TestWorkloads;

// garbage-worker --pipe <name>: a broken worker for the protocol tests. It says a valid hello, reads the Start and
// Batch frames, then answers with a Results header that claims 2 GB, and waits.
if (args is ["garbage-worker", ..])
{
    using var pipe = FakeWorker.Connect(args, "garbage");
    pipe.Write([0xff, 0xff, 0xff, 0x7f, 4]);
    pipe.Flush();
    Thread.Sleep(30_000);
    return 0;
}

// fuzz-worker <marker> <seed> --pipe <name>: the protocol fuzz test's broken worker. The first one started with a
// given marker file (it creates the file) says a valid hello, reads the Start and the first Batch, then answers with
// seeded garbage or a well-formed Results frame out of order (another batch, an item not in the batch, an item twice)
// and exits or waits; every later one is a real worker, so the pool can replace it.
if (args is ["fuzz-worker", var marker, var seedText, ..])
{
    if (File.Exists(marker))
    {
        return await ProcessWorker.RunAsync(args);
    }

    File.WriteAllText(marker, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
    var random = new Random(int.Parse(seedText, System.Globalization.CultureInfo.InvariantCulture));
    using var pipe = FakeWorker.Connect(args, "fuzz", out var batchId, out var firstIndex);
    pipe.Write(random.Next(2) == 0 ? FuzzFrames.Garbage(random) : FuzzFrames.OutOfOrderResults(random, batchId, firstIndex));
    pipe.Flush();
    if (random.Next(2) == 0)
    {
        Thread.Sleep(30_000); // leave the pipe open: the parent must notice the garbage, not the exit
    }

    return 0;
}

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

// stream <thread|async|process> <items> <worker memory limit>: runs a lazy stream of items through a strategy in this
// fresh process and prints one JSON line with the count, the checksum and this process's peak RSS (VmHWM), so the
// constant-memory test measures the parent alone, not a test host that ran other tests first.
if (args is ["stream", var kindText, var itemsText, var limitText])
{
    return await StreamCommand.RunAsync(kindText, long.Parse(itemsText, System.Globalization.CultureInfo.InvariantCulture), long.Parse(limitText, System.Globalization.CultureInfo.InvariantCulture));
}

Console.Error.WriteLine("Usage: Concurrency.Strategies.TestWorkloads pool-owner <workers> | stream <kind> <items> <worker limit>");
return 2;
