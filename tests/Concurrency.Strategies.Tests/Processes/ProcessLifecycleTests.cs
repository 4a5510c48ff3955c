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
    public async Task Cancellation_KillsTheWorkersRunningItemsBeforeTheEnumerationEnds()
    {
        await using var strategy = Create(2);
        using var cts = new CancellationTokenSource();
        var run = strategy.RunAsync(Enumerable.Repeat(60_000, 4), Workloads.SleepMilliseconds, cancellationToken: cts.Token).CollectAsync();
        var deadline = Stopwatch.StartNew();
        while (strategy.WorkerProcessIds.Count < 2 && deadline.Elapsed < HangGuard)
        {
            await Task.Delay(10);
        }

        var busy = strategy.WorkerProcessIds.ToArray();
        await cts.CancelAsync();

        await run.Invoking(r => r).Should().ThrowAsync<OperationCanceledException>();
        busy.Should().HaveCount(2);
        busy.Should().OnlyContain(pid => !ChildProcesses.IsAlive(pid), "the enumeration ends only after the busy workers are gone");
        strategy.LiveWorkerCount.Should().Be(0);
    }

    [Fact]
    public async Task ParentKilledWithSigkill_ItsWorkersExitWithinTwoSeconds()
    {
        var testApp = typeof(ProcessLifecycleTests).Assembly.GetName().Name;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "exec",
            "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, $"{testApp}.runtimeconfig.json"),
            "--depsfile", Path.Combine(AppContext.BaseDirectory, $"{testApp}.deps.json"),
            Path.Combine(AppContext.BaseDirectory, "Concurrency.Strategies.TestWorkloads.dll"),
            "pool-owner", "2",
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var owner = Process.Start(start)!;
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

    /// <summary>The TestWorkloads app as a worker host, started with this test app's runtimeconfig and deps.</summary>
    private static WorkerHostCommand TestWorkloadsHost(params string[] mode)
    {
        var testApp = typeof(ProcessLifecycleTests).Assembly.GetName().Name;
        var host = new WorkerHostCommand { FileName = DotnetHost() };
        foreach (var argument in new[]
        {
            "exec",
            "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, $"{testApp}.runtimeconfig.json"),
            "--depsfile", Path.Combine(AppContext.BaseDirectory, $"{testApp}.deps.json"),
            Path.Combine(AppContext.BaseDirectory, "Concurrency.Strategies.TestWorkloads.dll"),
        }.Concat(mode))
        {
            host.Arguments.Add(argument);
        }

        return host;
    }

    private static string DotnetHost()
    {
        var root = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return Path.Combine(root, "dotnet");
    }
}
