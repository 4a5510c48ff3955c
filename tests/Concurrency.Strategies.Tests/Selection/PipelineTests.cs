using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Selection;
using Concurrency.Strategies.TestWorkloads;
using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.Threading;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Selection;

public sealed class PipelineTests
{
    [Fact]
    public async Task RunAsync_FailuresAtEachStage_EveryItemHasExactlyOneOutcomeNamingItsStage()
    {
        await using var io = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 50 });
        await using var cpu = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });

        var outcomes = await Pipeline.RunAsync(
            RangeAsync(0, 2_000),
            new PipelineStage<int, int>(io, static async (x, ct) =>
            {
                await Task.Yield();
                return x % 10 == 3 ? throw new InvalidOperationException($"download {x} failed") : x * 10;
            }),
            new PipelineStage<int, string>(cpu, static (m, ct) => m % 100 == 70 ? throw new FormatException($"resize {m} failed") : ValueTask.FromResult($"img{m}"))).CollectAsync().WaitAsync(HangGuard);

        outcomes.Select(o => o.Index).Order().Should().Equal(Enumerable.Range(0, 2_000).Select(i => (long)i));
        outcomes.Should().OnlyContain(o => o.Item == o.Index);
        foreach (var outcome in outcomes)
        {
            switch (outcome.Item % 10)
            {
                case 3:
                    outcome.FailedStage.Should().Be(1);
                    outcome.Error.Should().BeOfType<InvalidOperationException>();
                    break;
                case 7:
                    outcome.FailedStage.Should().Be(2);
                    outcome.Error.Should().BeOfType<FormatException>().Which.Message.Should().Be($"resize {outcome.Item * 10} failed");
                    break;
                default:
                    outcome.Succeeded.Should().BeTrue();
                    outcome.FailedStage.Should().Be(0);
                    outcome.Result.Should().Be($"img{outcome.Item * 10}");
                    break;
            }
        }
    }

    [Fact]
    public async Task RunAsync_ThreeStagesWithAProcessStage_RunsEachStageOnItsStrategy()
    {
        await using var io = new AsyncStrategy();
        await using var processes = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 2 });
        await using var threads = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });

        var outcomes = await Pipeline.RunAsync(
            RangeAsync(0, 300),
            new PipelineStage<int, int>(io, static async (x, ct) => { await Task.Yield(); return x + 1; }),
            new PipelineStage<int, int>(processes, static (x, ct) => ValueTask.FromResult(Workloads.Square(x))),
            new PipelineStage<int, long>(threads, static (x, ct) => ValueTask.FromResult(x * 2L))).CollectAsync().WaitAsync(HangGuard);

        outcomes.Should().HaveCount(300).And.OnlyContain(o => o.Succeeded && o.Result == 2L * (o.Item + 1) * (o.Item + 1));
        processes.WorkerProcessIds.Should().NotBeEmpty("the middle stage ran in worker processes");
    }

    [Fact]
    public async Task RunAsync_Cancelled_ThrowsAndLeavesNoWorkRunning()
    {
        await using var io = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 8 });
        await using var cpu = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });
        using var board = Board.Create();
        using var cts = new CancellationTokenSource();

        var seen = 0;
        var act = async () =>
        {
            await foreach (var outcome in Pipeline.RunAsync(
                Endless(),
                new PipelineStage<int, int>(io, static async (x, ct) => { await Task.Delay(1, ct); return x; }),
                new PipelineStage<int, int>(cpu, static (x, ct) =>
                {
                    var board = Board.Current;
                    board.Enter();
                    try
                    {
                        Thread.SpinWait(100);
                        return ValueTask.FromResult(x);
                    }
                    finally
                    {
                        board.Exit();
                    }
                }),
                cts.Token))
            {
                if (++seen == 100)
                {
                    await cts.CancelAsync();
                }
            }
        };

        await act.Should().ThrowAsync<OperationCanceledException>().WaitAsync(HangGuard);
        board.Running.Should().Be(0, "the enumeration ends only after every stage's work has returned");
        seen.Should().BeGreaterThanOrEqualTo(100);
    }

    [Fact]
    public async Task RunAsync_ConsumerStopsEarly_StagesStopPullingAndNothingIsLeft()
    {
        await using var io = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 8 });
        var cpu = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });
        long pulled = 0;
        async IAsyncEnumerable<int> Counted()
        {
            for (var i = 0; ; i++)
            {
                Interlocked.Increment(ref pulled);
                await Task.Yield();
                yield return i;
            }
        }

        await foreach (var outcome in Pipeline.RunAsync(
            Counted(),
            new PipelineStage<int, int>(io, static (x, ct) => ValueTask.FromResult(x)),
            new PipelineStage<int, int>(cpu, static (x, ct) => ValueTask.FromResult(x))).WithCancellation(CancellationToken.None))
        {
            if (outcome.Index >= 500)
            {
                break;
            }
        }

        Interlocked.Read(ref pulled).Should().BeLessThan(100_000, "every stage pulls lazily within bounded windows");
        await cpu.DisposeAsync();
        cpu.LiveThreads.Should().Be(0);
    }

    [Fact]
    public void RunAsync_NullArguments_ThrowAtTheCall()
    {
        var strategy = new AsyncStrategy();
        var stage = new PipelineStage<int, int>(strategy, static (x, ct) => ValueTask.FromResult(x));

        FluentActions.Invoking(() => Pipeline.RunAsync<int, int, int>(null!, stage, stage)).Should().Throw<ArgumentNullException>().WithParameterName("items");
        FluentActions.Invoking(() => Pipeline.RunAsync<int, int, int>(RangeAsync(0, 1), null!, stage)).Should().Throw<ArgumentNullException>().WithParameterName("first");
        FluentActions.Invoking(() => Pipeline.RunAsync<int, int, int, int>(RangeAsync(0, 1), stage, stage, null!)).Should().Throw<ArgumentNullException>().WithParameterName("third");
        strategy.Dispose();
    }

    private static async IAsyncEnumerable<int> Endless()
    {
        for (var i = 0; ; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }
}
