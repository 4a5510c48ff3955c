using System.Diagnostics;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.ReliabilityTests.Support;
using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.TestWorkloads;
using Concurrency.Strategies.Threading;
using Xunit.Abstractions;

namespace Concurrency.Strategies.ReliabilityTests;

/// <summary>No orphans: a parent killed with SIGKILL takes its workers with it, and disposal under load leaves no child and no thread.</summary>
public sealed class OrphanTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ParentSigkilledWhileItsPoolOfFourIsBusy_EveryWorkerExitsWithinTwoSeconds()
    {
        var repeats = Reliability.Size(2, 10);
        var slowest = TimeSpan.Zero;
        var orphans = 0;
        for (var i = 0; i < repeats; i++)
        {
            using var owner = StartPoolOwner(workers: 4);
            int[] workers;
            try
            {
                var line = await owner.StandardOutput.ReadLineAsync().WaitAsync(Reliability.HangGuard);
                line.Should().StartWith("pids ", "the pool owner reports its busy workers");
                workers = line!["pids ".Length..].Split(' ').Select(int.Parse).ToArray();
                workers.Should().HaveCount(4).And.OnlyContain(pid => ChildProcesses.IsAlive(pid));
            }
            finally
            {
                owner.Kill(); // SIGKILL: no finalizer, no handler runs in the owner
            }

            await owner.WaitForExitAsync().WaitAsync(Reliability.HangGuard);
            var clock = Stopwatch.StartNew();
            var alive = await ChildProcesses.WaitForExitAsync(workers, TimeSpan.FromSeconds(2));
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            orphans += alive.Count;
            foreach (var pid in alive)
            {
                // Ours (the owner's children, by id): never leave them behind, even when the test fails.
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
        }

        Reliability.Record(output, "orphans-parent-sigkill", new Dictionary<string, object>
        {
            ["repeats"] = repeats, ["workersPerPool"] = 4, ["orphans"] = orphans, ["slowestExitMs"] = Math.Round(slowest.TotalMilliseconds),
        });
        orphans.Should().Be(0, "a worker exits as soon as its parent's pipe closes, even in the middle of an item");
    }

    [Fact]
    public async Task ProcessStrategy_DisposedUnderLoad_LeavesNoChildProcess()
    {
        var strategy = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 4, ShutdownGracePeriod = TimeSpan.FromSeconds(1) });
        await strategy.WarmUpAsync().WaitAsync(Reliability.HangGuard);
        var pids = strategy.WorkerProcessIds.ToArray();

        // Every worker busy with an item that ignores cancellation (a stuck native call).
        var run = strategy.RunAsync(Enumerable.Repeat(60_000, 16), Workloads.SleepMilliseconds, new RunOptions { BatchSize = 1 });
        var enumerator = run.GetAsyncEnumerator();
        var first = enumerator.MoveNextAsync().AsTask();
        await Task.Delay(300);

        var clock = Stopwatch.StartNew();
        await strategy.DisposeAsync().AsTask().WaitAsync(Reliability.HangGuard);
        var disposeTime = clock.Elapsed;
        var left = ChildProcesses.WorkerHostsOf(Environment.ProcessId).Intersect(pids).ToList();
        var alive = await ChildProcesses.WaitForExitAsync(pids, TimeSpan.FromSeconds(2));
        var ended = await Task.WhenAny(first, Task.Delay(Reliability.HangGuard)) == first;
        await enumerator.DisposeAsync().AsTask().WaitAsync(Reliability.HangGuard).ContinueWith(_ => { }, TaskScheduler.Default);

        Reliability.Record(output, "dispose-under-load-process", new Dictionary<string, object>
        {
            ["workers"] = pids.Length, ["disposeMs"] = Math.Round(disposeTime.TotalMilliseconds), ["childrenLeft"] = alive.Count,
        });
        left.Should().BeEmpty("DisposeAsync returns after every worker has exited (killed after the grace period)");
        alive.Should().BeEmpty();
        ended.Should().BeTrue("the run's enumeration ends when its strategy is disposed");
    }

    [Fact]
    public async Task ThreadStrategy_DisposedUnderLoad_LeavesNoThread()
    {
        var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 16 });
        var running = 0;
        var run = strategy.RunAsync(Enumerable.Range(0, 64), (int x, CancellationToken ct) =>
        {
            Interlocked.Increment(ref running);
            ct.WaitHandle.WaitOne(); // blocking work that observes its token
            return x;
        });
        var enumerator = run.GetAsyncEnumerator();
        var first = enumerator.MoveNextAsync().AsTask();
        (await Reliability.EventuallyAsync(() => Volatile.Read(ref running) == 16, Reliability.HangGuard)).Should().BeTrue();
        Reliability.ThreadsNamed("Concurrency.Strategies worker").Should().Be(16);

        await strategy.DisposeAsync().AsTask().WaitAsync(Reliability.HangGuard);
        var gone = await Reliability.EventuallyAsync(() => Reliability.ThreadsNamed("Concurrency.Strategies worker") == 0, TimeSpan.FromSeconds(2));
        var ended = await Task.WhenAny(first, Task.Delay(Reliability.HangGuard)) == first;
        await enumerator.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);

        Reliability.Record(output, "dispose-under-load-thread", new Dictionary<string, object>
        {
            ["busyThreads"] = 16, ["threadsLeft"] = Reliability.ThreadsNamed("Concurrency.Strategies worker"),
        });
        gone.Should().BeTrue("every dedicated thread ends when its strategy is disposed");
        ended.Should().BeTrue("the run's enumeration ends when its strategy is disposed");
    }

    [Fact]
    public async Task AsyncStrategy_DisposedUnderLoad_CancelsEveryPendingItem()
    {
        var strategy = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 1_000 });
        var started = 0;
        var finished = 0;
        var run = strategy.RunAsync(Enumerable.Range(0, 5_000), async (int x, CancellationToken ct) =>
        {
            Interlocked.Increment(ref started);
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
                return x;
            }
            finally
            {
                Interlocked.Increment(ref finished);
            }
        });
        var enumerator = run.GetAsyncEnumerator();
        var first = enumerator.MoveNextAsync().AsTask();
        (await Reliability.EventuallyAsync(() => Volatile.Read(ref started) == 1_000, Reliability.HangGuard)).Should().BeTrue();

        await strategy.DisposeAsync().AsTask().WaitAsync(Reliability.HangGuard);
        var allEnded = await Reliability.EventuallyAsync(() => Volatile.Read(ref finished) == Volatile.Read(ref started), TimeSpan.FromSeconds(2));
        var ended = await Task.WhenAny(first, Task.Delay(Reliability.HangGuard)) == first;
        await enumerator.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);

        Reliability.Record(output, "dispose-under-load-async", new Dictionary<string, object> { ["pending"] = 1_000, ["stillPending"] = started - finished });
        allEnded.Should().BeTrue("disposal cancels every pending item's token and no item is left waiting");
        Volatile.Read(ref started).Should().Be(1_000, "no item starts after disposal");
        ended.Should().BeTrue();
    }

    private static Process StartPoolOwner(int workers) =>
        TestWorkloadsApp.Start(typeof(OrphanTests).Assembly, "pool-owner", workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
