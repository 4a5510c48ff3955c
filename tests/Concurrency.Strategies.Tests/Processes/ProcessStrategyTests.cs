using System.Diagnostics;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.TestWorkloads;
using Concurrency.Strategies.Tests.Support;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Processes;

/// <summary>The process strategy's own promises: real child processes, failures contained, workers replaced and recycled.</summary>
public sealed class ProcessStrategyTests
{
    private static ProcessStrategy Create(int workers = 2, Action<ProcessStrategyOptions>? configure = null, ILogger<ProcessStrategy>? logger = null, TimeProvider? time = null)
    {
        var options = new ProcessStrategyOptions { WorkerCount = workers, ShutdownGracePeriod = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        return new ProcessStrategy(options, logger, time);
    }

    [Fact]
    public async Task RunAsync_StaticWork_RunsEveryItemOnceInAnotherProcess()
    {
        await using var strategy = Create();

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 2_000), Workloads.Square).CollectAsync().WaitAsync(HangGuard);
        var pids = await strategy.RunAsync(Enumerable.Range(0, 50), Workloads.ProcessId).CollectAsync().WaitAsync(HangGuard);

        outcomes.Select(o => o.Index).Should().OnlyHaveUniqueItems().And.HaveCount(2_000);
        outcomes.Should().OnlyContain(o => o.Succeeded && o.Result == o.Item * o.Item && o.Item == o.Index);
        pids.Select(o => o.Result).Should().NotContain(Environment.ProcessId).And.OnlyContain(pid => strategy.WorkerProcessIds.Contains(pid));
    }

    [Fact]
    public void RunAsync_CapturingLambda_IsRejectedAtTheCallNamingTheCapturedVariable()
    {
        using var strategy = Create();
        var factor = 3;

        var act = () => strategy.RunAsync(Enumerable.Range(0, 5), x => x * factor);

        act.Should().Throw<ArgumentException>().WithParameterName("work")
            .WithMessage("*captures *'factor' (Int32)*static method*pass everything the work needs in the item*");
        strategy.LiveWorkerCount.Should().Be(0, "nothing starts for rejected work");
    }

    [Fact]
    public async Task RunAsync_WorkThrows_OutcomeIsARemoteWorkExceptionWithTypeMessageStackAndInner()
    {
        await using var strategy = Create(1);

        var outcomes = await strategy.RunAsync(new[] { 12, 13, 14 }, Workloads.ThrowOnPoison).CollectAsync().WaitAsync(HangGuard);
        var nested = await strategy.RunAsync(new[] { 1 }, Workloads.ThrowNested).CollectAsync().WaitAsync(HangGuard);

        var error = outcomes.Single(o => o.Item == 13).Error.Should().BeOfType<RemoteWorkException>().Subject;
        error.RemoteType.Should().Be("System.InvalidOperationException");
        error.RemoteMessage.Should().Be("item 13 is bad");
        error.RemoteStackTrace.Should().Contain(nameof(Workloads.ThrowOnPoison));
        outcomes.Where(o => o.Item != 13).Should().OnlyContain(o => o.Succeeded);
        var outer = nested.Single().Error.Should().BeOfType<RemoteWorkException>().Subject;
        outer.InnerRemoteExceptions.Should().ContainSingle().Which.RemoteType.Should().Be("System.FormatException");
        outer.InnerException.Should().BeOfType<RemoteWorkException>().Which.RemoteMessage.Should().Be("inner cause");
    }

    public static TheoryData<string, string, string> Crashes => new()
    {
        { nameof(Workloads.FailFastOnPoison), "SIGABRT", "poison item 13" },
        { nameof(Workloads.OverflowStackOnPoison), "SIGABRT", "Stack overflow" },
        { nameof(Workloads.KillSelfOnPoison), "SIGKILL", "" },
    };

    [Theory]
    [MemberData(nameof(Crashes))]
    public async Task RunAsync_WorkerDies_OnlyItsItemFailsWithTheSignalAndStderrAndTheRunGoesOn(string workload, string signal, string stderr)
    {
        var work = (Func<int, int>)Delegate.CreateDelegate(typeof(Func<int, int>), typeof(Workloads).GetMethod(workload)!);
        await using var strategy = Create(2);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 40), work).CollectAsync().WaitAsync(HangGuard);

        outcomes.Select(o => o.Index).Should().OnlyHaveUniqueItems().And.HaveCount(40);
        outcomes.Where(o => o.Item != Workloads.Poison).Should().OnlyContain(o => o.Succeeded && o.Result == o.Item);
        var crash = outcomes.Single(o => o.Item == Workloads.Poison).Error.Should().BeOfType<WorkerCrashedException>().Subject;
        crash.Signal.Should().Be(signal);
        crash.ExitCode.Should().BeGreaterThan(128);
        crash.ProcessId.Should().NotBe(Environment.ProcessId);
        crash.Message.Should().Contain(signal);
        if (stderr.Length > 0)
        {
            crash.StandardErrorTail.Should().Contain(line => line.Contains(stderr, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task RunAsync_PoisonItemWithRetries_IsQuarantinedAfterTwoCrashesAndNotRunAgain()
    {
        await using var strategy = Create(1);
        var retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions { MaxRetryAttempts = 5, Delay = TimeSpan.Zero, ShouldHandle = new PredicateBuilder().Handle<WorkerCrashedException>() })
            .Build();

        var outcomes = await strategy.RunAsync(new[] { 12, 13, 14 }, Workloads.KillSelfOnPoison, new RunOptions { Resilience = retry }).CollectAsync().WaitAsync(HangGuard);

        var poison = outcomes.Single(o => o.Item == 13);
        var crash = poison.Error.Should().BeOfType<WorkerCrashedException>().Subject;
        crash.Quarantined.Should().BeTrue();
        crash.CrashCount.Should().Be(2);
        crash.Message.Should().Contain("quarantined");
        poison.Attempts.Should().Be(6, "the retries still happen, but a quarantined item is refused without a worker");
        outcomes.Where(o => o.Item != 13).Should().OnlyContain(o => o.Succeeded && o.Attempts == 1);
    }

    [Fact]
    public async Task RunAsync_ItemOverrunsItemTimeout_ItsWorkerIsKilledAndTheRunGoesOn()
    {
        await using var strategy = Create(2);
        var seen = new List<int>();

        var outcomes = new List<ItemOutcome<int, int>>();
        await foreach (var outcome in strategy.RunAsync(Enumerable.Range(10, 6), Workloads.HangOnPoison, new RunOptions { ItemTimeout = TimeSpan.FromSeconds(1) }).WithCancellation(CancellationToken.None))
        {
            seen.AddRange(strategy.WorkerProcessIds);
            outcomes.Add(outcome);
        }

        outcomes.Should().HaveCount(6);
        outcomes.Single(o => o.Item == 13).Error.Should().BeOfType<TimeoutException>();
        outcomes.Where(o => o.Item != 13).Should().OnlyContain(o => o.Succeeded);
        var gone = seen.Distinct().Where(pid => !strategy.WorkerProcessIds.Contains(pid)).ToList();
        gone.Should().NotBeEmpty("the worker that ran the hung item was replaced");
        (await ChildProcesses.WaitForExitAsync(gone, TimeSpan.FromSeconds(5))).Should().BeEmpty("the hung worker was killed");
    }

    [Fact]
    public async Task RunAsync_WorkPrints_OutputGoesToTheLoggerWithTheWorkerIdAndTheProtocolIsUndisturbed()
    {
        var logger = new ListLogger<ProcessStrategy>();
        await using (var strategy = Create(1, logger: logger))
        {
            var outcomes = await strategy.RunAsync(Enumerable.Range(0, 20), Workloads.Print).CollectAsync().WaitAsync(HangGuard);
            outcomes.Should().OnlyContain(o => o.Succeeded && o.Result == o.Item);
        }

        logger.Entries.Should().Contain(e => e.Level == LogLevel.Information && e.Message == "[worker 1] hello from item 7");
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message == "[worker 1 stderr] warning from item 7");
    }

    [Fact]
    public async Task RunAsync_ResultCannotBeSerialized_ThatItemFailsNamingTheTypeAndTheReason()
    {
        await using var strategy = Create(1);

        var outcome = (await strategy.RunAsync(new[] { 1 }, Workloads.Broken).CollectAsync().WaitAsync(HangGuard)).Single();

        outcome.Error.Should().BeOfType<WorkSerializationException>().Which.Message
            .Should().Contain(typeof(Unserializable).FullName).And.Contain("Value cannot be read");
    }

    [Fact]
    public async Task RunAsync_ItemCannotBeSerialized_ThatItemFailsInTheAppAndTheOthersRun()
    {
        await using var strategy = Create(1);
        object[] items = [1, new Unserializable(), 3];

        var outcomes = await strategy.RunAsync(items, ToText).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().HaveCount(3);
        outcomes.Single(o => o.Index == 1).Error.Should().BeOfType<WorkSerializationException>()
            .Which.Message.Should().Contain("Item 1").And.Contain("System.Object").And.Contain("Value cannot be read");
        outcomes.Where(o => o.Index != 1).Should().OnlyContain(o => o.Succeeded);
    }

    private static string ToText(object item) => item.ToString()!;

    [Fact]
    public async Task RunAsync_MaxItemsPerWorker_ReplacesWorkersAfterThatManyItems()
    {
        await using var strategy = Create(1, o => o.MaxItemsPerWorker = 10);

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 50), Workloads.ProcessId).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().OnlyContain(o => o.Succeeded);
        outcomes.GroupBy(o => o.Result).Should().HaveCount(5).And.OnlyContain(g => g.Count() == 10);
    }

    [Fact]
    public async Task RunAsync_MaxWorkerMemoryBytes_ReplacesAWorkerThatGrowsPastIt()
    {
        await using var strategy = Create(1, o => o.MaxWorkerMemoryBytes = 150L * 1024 * 1024);

        // Each item leaks 40 MiB; the first check is a second after start, so a worker holds several before it is replaced.
        var pids = new List<int>();
        for (var round = 0; round < 12 && pids.Distinct().Count() < 2; round++)
        {
            var outcome = await strategy.InvokeAsync(40, Workloads.LeakMegabytes).WaitAsync(HangGuard);
            pids.Add(outcome);
            await Task.Delay(150);
        }

        pids.Distinct().Should().HaveCountGreaterThan(1, "the worker that grew past the limit was replaced");
    }
}
