using System.Diagnostics;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.TestWorkloads;
using Concurrency.Strategies.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Processes;

/// <summary>Worker lifetime: warm-up, idle shrink and regrow, initializers, cancellation, a killed parent, broken workers.</summary>
public sealed class ProcessLifecycleTests
{
    private static ProcessStrategy Create(int workers, Action<ProcessStrategyOptions>? configure = null, TimeProvider? time = null, ListLogger<ProcessStrategy>? logger = null)
    {
        var options = new ProcessStrategyOptions { WorkerCount = workers, ShutdownGracePeriod = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        return new ProcessStrategy(options, logger, time);
    }

    [Fact]
    public async Task WarmUpAsync_StartsEveryWorkerAheadAndTheFirstItemsUseThem()
    {
        await using var strategy = Create(2);

        await strategy.WarmUpAsync().WaitAsync(HangGuard);
        var warm = strategy.WorkerProcessIds.ToArray();
        var pids = await strategy.RunAsync(Enumerable.Range(0, 20), Workloads.ProcessId).CollectAsync().WaitAsync(HangGuard);

        warm.Should().HaveCount(2);
        pids.Select(o => o.Result).Should().OnlyContain(pid => warm.Contains(pid));
    }

    [Fact]
    public async Task IdleTimeout_PoolShrinksToZeroWhenIdleAndGrowsAgainOnDemand()
    {
        var time = new FakeTimeProvider();
        await using var strategy = Create(2, o => o.IdleTimeout = TimeSpan.FromSeconds(10), time);
        await strategy.RunAsync(Enumerable.Range(0, 20), Workloads.Square).CollectAsync().WaitAsync(HangGuard);
        var first = strategy.WorkerProcessIds.ToArray();

        time.Advance(TimeSpan.FromSeconds(5));
        var stillThere = first.Where(ChildProcesses.IsAlive).ToArray();
        time.Advance(TimeSpan.FromSeconds(6));
        var leftAlive = await ChildProcesses.WaitForExitAsync(first, HangGuard);
        var regrown = await strategy.InvokeAsync(7, Workloads.ProcessId).WaitAsync(HangGuard);

        first.Should().NotBeEmpty();
        stillThere.Should().BeEquivalentTo(first, "5 of 10 idle seconds have passed");
        leftAlive.Should().BeEmpty("every worker idle for 10 seconds exits");
        regrown.Should().NotBe(Environment.ProcessId);
        first.Should().NotContain(regrown, "a new worker starts on demand");
    }

    [Fact]
    public async Task Initializer_RunsOnceInEachWorkerWithItsArgumentBeforeAnyItem()
    {
        await using var strategy = Create(2, o => o.UseInitializer(Workloads.Initialize, "model-v1"));

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 30), Workloads.Initialized).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().OnlyContain(o => o.Succeeded && o.Result!.StartsWith("model-v1@", StringComparison.Ordinal));
        outcomes.Select(o => int.Parse(o.Result!.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture))
            .Should().OnlyContain(pid => pid != Environment.ProcessId);
    }

    [Fact]
    public async Task Initializer_Throws_TheRunFailsWithTheRemoteErrorAndWorkersAreNotRestartedInALoop()
    {
        var logger = new ListLogger<ProcessStrategy>();
        await using var strategy = Create(2, o => o.UseInitializer(Workloads.FailingInitializer), logger: logger);

        var act = () => strategy.RunAsync(Enumerable.Range(0, 1_000), Workloads.Square).CollectAsync().WaitAsync(HangGuard);

        var error = (await act.Should().ThrowAsync<InvalidOperationException>()).Which;
        error.Message.Should().Contain("worker initializer").And.Contain("the model file is missing");
        error.InnerException.Should().BeOfType<RemoteWorkException>().Which.RemoteType.Should().Be("System.InvalidOperationException");
        logger.Entries.Count(e => e.Message.StartsWith("A worker could not start", StringComparison.Ordinal)).Should().BeInRange(1, 2, "at most one attempt per worker slot, no respawn loop");
        strategy.LiveWorkerCount.Should().Be(0);
    }

    [Fact]
    public async Task Cancellation_WorkThatObservesItsToken_StopsAndTheWorkersAreKept()
    {
        await using var strategy = Create(2, o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(20));
        using var cts = new CancellationTokenSource();
        var run = strategy.RunAsync(Enumerable.Repeat(60_000, 4), Workloads.DelayCancellableAsync, cancellationToken: cts.Token).CollectAsync();
        var deadline = Stopwatch.StartNew();
        while (strategy.WorkerProcessIds.Count < 2 && deadline.Elapsed < HangGuard)
        {
            await Task.Delay(10);
        }

        var busy = strategy.WorkerProcessIds.ToArray();
        var cancelled = Stopwatch.StartNew();
        await cts.CancelAsync();

        await run.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
        cancelled.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "the items stopped on their token, not at the end of the grace period");
        busy.Should().HaveCount(2).And.OnlyContain(pid => ChildProcesses.IsAlive(pid), "a worker whose items stopped is kept");
        var next = await strategy.RunAsync(Enumerable.Range(0, 10), Workloads.ProcessId).CollectAsync().WaitAsync(HangGuard);
        next.Select(o => o.Result).Should().OnlyContain(pid => busy.Contains(pid), "the next run reuses them");
    }

    [Fact]
    public async Task Cancellation_WorkThatIgnoresItsToken_IsKilledWithItsWorkerAfterTheGracePeriod()
    {
        await using var strategy = Create(2, o => o.ShutdownGracePeriod = TimeSpan.FromMilliseconds(200));
        var signals = Enumerable.Range(0, 2).Select(_ => Path.Combine(Path.GetTempPath(), $"cs-signal-{Guid.NewGuid():N}")).ToArray();
        using var cts = new CancellationTokenSource();
        var run = strategy.RunAsync(signals, Workloads.SignalThenSleep, cancellationToken: cts.Token).CollectAsync();
        try
        {
            var deadline = Stopwatch.StartNew();
            while (!signals.All(File.Exists) && deadline.Elapsed < HangGuard)
            {
                await Task.Delay(10);
            }

            var busy = signals.Select(path => int.Parse(File.ReadAllText(path), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            await cts.CancelAsync();

            await run.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
            busy.Should().HaveCount(2).And.OnlyHaveUniqueItems();
            busy.Should().OnlyContain(pid => !ChildProcesses.IsAlive(pid), "the enumeration ends only after the workers whose items ignored the cancellation are gone");
            strategy.LiveWorkerCount.Should().Be(0);
        }
        finally
        {
            foreach (var path in signals)
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public async Task ParentKilledWithSigkill_ItsWorkersExitWithinTwoSeconds()
    {
        using var owner = TestWorkloadsApp.Start(typeof(ProcessLifecycleTests).Assembly, "pool-owner", "2");
        int[] workers;
        try
        {
            var line = await owner.StandardOutput.ReadLineAsync().WaitAsync(HangGuard);
            line.Should().StartWith("pids ", await Task.FromResult(owner.HasExited ? owner.StandardError.ReadToEnd() : "the pool owner reports its busy workers"));
            workers = line!["pids ".Length..].Split(' ').Select(int.Parse).ToArray();
            workers.Should().HaveCount(2).And.OnlyContain(pid => ChildProcesses.IsAlive(pid));
        }
        finally
        {
            owner.Kill();
        }

        await owner.WaitForExitAsync().WaitAsync(HangGuard);
        var orphans = await ChildProcesses.WaitForExitAsync(workers, TimeSpan.FromSeconds(2));

        orphans.Should().BeEmpty("a worker exits as soon as its parent's pipe closes, even in the middle of an item");
    }

    [Fact]
    public async Task WorkerSendsAMalformedFrame_ItsItemFailsWithAClearErrorAndTheRunEnds()
    {
        // A fake worker (TestWorkloads "garbage-worker"): a valid hello, then a Results header that claims 2 GB.
        await using var strategy = Create(1, o => o.WorkerHost = TestWorkloadsHost("garbage-worker"));

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 3), Workloads.Square).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().HaveCount(3);
        outcomes.Should().OnlyContain(o => o.Error is WorkerCrashedException);
        outcomes[0].Error!.Message.Should().Contain("it sent a malformed frame").And.Contain("outside 0..");
    }

    [Fact]
    public async Task WorkerHostCannotStart_TheRunFailsNamingTheCommand()
    {
        await using var strategy = Create(1, o => o.WorkerHost = new WorkerHostCommand { FileName = "/nonexistent/worker-host" });

        var act = () => strategy.RunAsync(Enumerable.Range(0, 3), Workloads.Square).CollectAsync().WaitAsync(HangGuard);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message
            .Should().Contain("could not be started with '/nonexistent/worker-host");
    }

    [Fact]
    public async Task ItemOrResultLargerThanMaxFrameBytes_FailsThatItemNamingTheLimit()
    {
        await using var strategy = Create(1, o => o.MaxFrameBytes = 64 * 1024);

        var items = await strategy.RunAsync(new[] { "a", new string('x', 100_000), "bc" }, Workloads.Length).CollectAsync().WaitAsync(HangGuard);
        var results = await strategy.RunAsync(new[] { 10, 100_000 }, Workloads.Repeat).CollectAsync().WaitAsync(HangGuard);

        items.Single(o => o.Index == 1).Error.Should().BeOfType<WorkSerializationException>()
            .Which.Message.Should().Contain("more than the maximum frame size of 65,536 bytes").And.Contain("MaxFrameBytes");
        items.Where(o => o.Index != 1).Select(o => o.Result).Should().BeEquivalentTo([1, 2]);
        results.Single(o => o.Index == 1).Error.Should().BeOfType<WorkSerializationException>()
            .Which.Message.Should().Contain("more than the maximum frame size").And.Contain("MaxFrameBytes");
        results.Single(o => o.Index == 0).Result.Should().HaveLength(10);
    }

    [Fact]
    public async Task WorkerHost_TheAppItselfAsItsWorkerHost_RunsTheItemsThere()
    {
        await using var strategy = Create(1, o => o.WorkerHost = TestWorkloadsHost());

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 5), Workloads.Square).CollectAsync().WaitAsync(HangGuard);
        var pid = strategy.WorkerProcessIds.Single();

        outcomes.Select(o => o.Result).Order().Should().Equal(0, 1, 4, 9, 16);
        File.ReadAllText($"/proc/{pid}/cmdline").Should().Contain("Concurrency.Strategies.TestWorkloads.dll").And.NotContain("Concurrency.Strategies.WorkerHost.dll");
    }

    [Fact]
    public void WorkerLauncher_SingleFileApp_ThrowsNotSupportedNamingTheWorkerHostOption()
    {
        var act = () => WorkerLauncher.Create(new ProcessStrategyOptions(), libraryLocation: string.Empty);

        act.Should().Throw<NotSupportedException>().WithMessage("*single-file*ProcessStrategyOptions.WorkerHost*ProcessWorker.RunAsync*");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(100)]
    public async Task BatchLargerThanAFrame_IsSplitAndEveryItemRuns(int? batchSize)
    {
        await using var strategy = Create(1, o => o.MaxFrameBytes = 64 * 1024);
        var items = Enumerable.Range(0, 400).Select(i => new string((char)('a' + (i % 26)), 2_000 + i)).ToArray();

        var outcomes = await strategy.RunAsync(items, Workloads.Length, new RunOptions { BatchSize = batchSize }).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().HaveCount(400).And.OnlyContain(o => o.Succeeded && o.Result == o.Item.Length);
    }

    [Fact]
    public async Task CrashInsideABatch_OnlyTheCulpritIsChargedEvenWithQuarantineAfterOneCrash()
    {
        await using var strategy = Create(1, o => o.QuarantineAfterCrashes = 1);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 60), Workloads.FailFastOnPoison, new RunOptions { BatchSize = 20 }).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().HaveCount(60);
        outcomes.Where(o => !o.Succeeded).Should().ContainSingle().Which.Item.Should().Be(Workloads.Poison);
        var crash = outcomes.Single(o => o.Item == Workloads.Poison).Error.Should().BeOfType<WorkerCrashedException>().Subject;
        crash.Quarantined.Should().BeTrue();
        crash.Message.Should().Contain("crashed one worker and is quarantined");
    }

    [Fact]
    public async Task IdleWorkerThatDied_IsReplacedWithoutChargingTheNextItem()
    {
        await using var strategy = Create(1);
        (await strategy.InvokeAsync(2, Workloads.Square).WaitAsync(HangGuard)).Should().Be(4);
        var idle = strategy.WorkerProcessIds.Single();

        // This test started that worker (through the strategy); it kills it by id while it is idle.
        using (var process = Process.GetProcessById(idle))
        {
            process.Kill();
        }

        (await ChildProcesses.WaitForExitAsync([idle], HangGuard)).Should().BeEmpty();
        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 5), Workloads.Square).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().OnlyContain(o => o.Succeeded, "no item was in the worker when it died");
    }

    [Fact]
    public async Task TwoRunsOnOneWorker_ShareItInsteadOfOneStarvingTheOther()
    {
        await using var strategy = Create(1);
        using var cts = new CancellationTokenSource();
        var endless = Task.Run(async () =>
        {
            try
            {
                await foreach (var outcome in strategy.RunAsync(Infinite(), Workloads.Square, cancellationToken: cts.Token))
                {
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var deadline = Stopwatch.StartNew();
        while (strategy.WorkerProcessIds.Count == 0 && deadline.Elapsed < HangGuard)
        {
            await Task.Delay(5);
        }

        var result = await strategy.InvokeAsync(9, Workloads.Square).WaitAsync(HangGuard);
        await cts.CancelAsync();
        await endless.WaitAsync(HangGuard);

        result.Should().Be(81);

        static IEnumerable<int> Infinite()
        {
            for (var i = 0; ; i++)
            {
                yield return i % 1000;
            }
        }
    }

    [Fact]
    public async Task RunWaitingForItsSource_DoesNotKeepTheWorkerFromAnotherRun()
    {
        await using var strategy = Create(1);
        var source = System.Threading.Channels.Channel.CreateUnbounded<int>();
        source.Writer.TryWrite(1);
        var first = strategy.RunAsync(source.Reader.ReadAllAsync(), Workloads.Square).GetAsyncEnumerator();
        (await first.MoveNextAsync().AsTask().WaitAsync(HangGuard)).Should().BeTrue();

        // The first run now waits for its (empty) source; the worker must serve the second run meanwhile.
        var result = await strategy.InvokeAsync(9, Workloads.Square).WaitAsync(HangGuard);
        source.Writer.TryWrite(2);
        (await first.MoveNextAsync().AsTask().WaitAsync(HangGuard)).Should().BeTrue("a batch's answer is read while the lane waits for its source");
        var second = first.Current;
        source.Writer.Complete();
        (await first.MoveNextAsync().AsTask().WaitAsync(HangGuard)).Should().BeFalse();
        await first.DisposeAsync();

        result.Should().Be(81);
        second.Result.Should().Be(4);
    }

    [Fact]
    public async Task WarmUpAsync_HostThatCannotStart_ThrowsOnceAndTheStrategyStaysUsable()
    {
        await using var strategy = Create(2, o => o.WorkerHost = new WorkerHostCommand { FileName = "/nonexistent/worker-host" });

        var act = () => strategy.WarmUpAsync().WaitAsync(HangGuard);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("/nonexistent/worker-host");
        strategy.LiveWorkerCount.Should().Be(0);
    }

    [Fact]
    public async Task DisposeAsync_RightAfterIdleWorkersStartExiting_DoesNotThrow()
    {
        for (var round = 0; round < 4; round++)
        {
            var strategy = Create(2, o => o.IdleTimeout = TimeSpan.FromMilliseconds(5));
            await strategy.RunAsync(Enumerable.Range(0, 4), Workloads.Square).CollectAsync().WaitAsync(HangGuard);
            var pids = strategy.WorkerProcessIds.ToArray();
            await Task.Delay(5 + (round * 15));

            await strategy.Invoking(s => s.DisposeAsync().AsTask()).Should().NotThrowAsync();
            pids.Should().OnlyContain(pid => !ChildProcesses.IsAlive(pid));
        }
    }

    /// <summary>The TestWorkloads app as a worker host, started with this test app's runtimeconfig and deps.</summary>
    private static WorkerHostCommand TestWorkloadsHost(params string[] mode) => TestWorkloadsApp.WorkerHost(typeof(ProcessLifecycleTests).Assembly, mode);
}
