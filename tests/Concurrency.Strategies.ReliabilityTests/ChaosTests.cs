using System.Diagnostics;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.ReliabilityTests.Support;
using Concurrency.Strategies.TestWorkloads;
using Concurrency.Strategies.Threading;
using Polly;
using Polly.Retry;
using Xunit.Abstractions;

namespace Concurrency.Strategies.ReliabilityTests;

/// <summary>
/// Chaos: worker processes SIGKILLed every 50 ms under a run, and work that throws at random under a token cancelled
/// at a random moment. Whatever happens, no item is lost, duplicated or invented.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private static readonly TimeSpan KillInterval = TimeSpan.FromMilliseconds(50);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ProcessStrategy_AWorkerSigkilledEvery50ms_EveryItemHasExactlyOneOutcome(bool withRetries)
    {
        // With a retry pipeline the process strategy runs one item per round trip (the pipeline wraps each item), so
        // the bounded run is smaller there; the long run takes the issue's 100,000 either way.
        var items = withRetries ? Reliability.Size(2_000, 100_000) : Reliability.Size(5_000, 100_000);
        var minimumKills = Reliability.Size(10, 100);
        await using var strategy = new ProcessStrategy(new ProcessStrategyOptions
        {
            WorkerCount = 4,
            ShutdownGracePeriod = TimeSpan.FromSeconds(1),

            // With retries the test wants every item to succeed; an item that sat in three killed batches is no culprit.
            QuarantineAfterCrashes = withRetries ? 100 : 2,
        });
        await strategy.WarmUpAsync().WaitAsync(Reliability.HangGuard);
        var retries = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 100,
                Delay = TimeSpan.Zero,
                ShouldHandle = new PredicateBuilder().Handle<WorkerCrashedException>(),
            })
            .Build();
        var tally = new Tally(items);
        var clock = Stopwatch.StartNew();
        int kills;
        await using (var chaos = ChaosMonkey.Start(strategy, KillInterval, seed: withRetries ? 7 : 8))
        {
            using var watching = new CancellationTokenSource();
            var watch = Task.Run(async () =>
            {
                // Progress in the test output, so a run that stalls shows where.
                while (!watching.IsCancellationRequested)
                {
                    await Task.Delay(2_000, watching.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                    output.WriteLine($"{clock.Elapsed.TotalSeconds:F0} s: {tally.Outcomes} outcomes, {chaos.Kills} kills, workers {string.Join(",", strategy.WorkerProcessIds)}");
                }
            });
            var run = strategy.RunAsync(Source(items, chaos, minimumKills), Workloads.SpinThenDouble, new RunOptions { Resilience = withRetries ? retries : null });
            await foreach (var outcome in run.WithCancellation(new CancellationTokenSource(Reliability.HangGuard).Token))
            {
                tally.Add(outcome.Index, outcome.Error, outcome.Error is null && outcome.Result == outcome.Item * 2 && outcome.Item == outcome.Index);
            }

            kills = chaos.Kills;
            await watching.CancelAsync();
            await watch;
        }

        Reliability.Record(output, $"chaos-process-{(withRetries ? "retry" : "no-retry")}", new Dictionary<string, object>
        {
            ["items"] = items, ["kills"] = kills, ["lost"] = tally.Lost, ["duplicated"] = tally.Duplicated, ["invented"] = tally.Invented,
            ["failed"] = tally.Failed, ["failureTypes"] = tally.FailureTypes, ["wrong"] = tally.Wrong, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2),
        });
        kills.Should().BeGreaterThanOrEqualTo(minimumKills, "the source trickled its second half until the chaos had killed that many workers");
        tally.Lost.Should().Be(0);
        tally.Duplicated.Should().Be(0);
        tally.Invented.Should().Be(0);
        tally.Wrong.Should().Be(0, "every success carries its own item's result");
        if (withRetries)
        {
            tally.Failed.Should().Be(0, "the retry pipeline runs a crashed item again on a live worker");
        }
        else
        {
            tally.FailureTypes.Keys.Should().NotContain(name => name != nameof(WorkerCrashedException), "a killed worker's item fails with WorkerCrashedException, nothing else");
            tally.Failed.Should().BeLessThanOrEqualTo(kills, "a dead worker charges at most the one item it was running alone; the others run again uncharged");
        }
    }

    [Theory]
    [InlineData(StrategyKind.Thread)]
    [InlineData(StrategyKind.Async)]
    public async Task RandomThrowsAndACancelAtARandomMoment_NoOutcomeIsLostDuplicatedOrInvented_AndNothingRunsAfterDispose(StrategyKind kind)
    {
        const int Items = 2_000;
        var rounds = Reliability.Size(20, 200);
        var completedRuns = 0;
        var cancelledRuns = 0;
        long lostInCompletedRuns = 0;
        long outcomesInCancelledRuns = 0;
        long duplicated = 0;
        for (var seed = 1; seed <= rounds; seed++)
        {
            var random = new Random(seed);

            // A quarter of the runs are never cancelled: then every item must have its outcome.
            var cancelAfter = random.Next(Items + (Items / 3));
            var calls = new int[Items];
            using var cancel = new CancellationTokenSource();
            IExecutionStrategy strategy = kind == StrategyKind.Thread
                ? new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 8 })
                : new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 64 });
            var tally = new Tally(Items);
            var cancelled = false;
            try
            {
                var run = kind == StrategyKind.Thread
                    ? strategy.RunAsync(Enumerable.Range(0, Items), (int x, CancellationToken _) => Work(x, seed, calls))
                    : strategy.RunAsync(Enumerable.Range(0, Items), async (int x, CancellationToken _) =>
                    {
                        if (x % 3 == 0)
                        {
                            await Task.Yield();
                        }

                        return Work(x, seed, calls);
                    });
                await foreach (var outcome in run.WithCancellation(cancel.Token))
                {
                    var designated = Throws(outcome.Item, seed);
                    var expected = designated ? outcome.Error is ChaosException : outcome.Error is null && outcome.Result == outcome.Item * 2;
                    tally.Add(outcome.Index, expected ? null : outcome.Error ?? new InvalidOperationException("wrong result"), outcome.Item == outcome.Index);
                    if (tally.Outcomes == cancelAfter)
                    {
                        await cancel.CancelAsync();
                    }
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                cancelled = true;
            }
            finally
            {
                await strategy.DisposeAsync();
            }

            // After disposal nothing runs: the number of calls stays put.
            var callsAtDispose = calls.Sum();
            await Task.Delay(30);
            calls.Sum().Should().Be(callsAtDispose, $"no work may start after DisposeAsync returned (seed {seed})");

            calls.Should().OnlyContain(c => c <= 1, $"seed {seed}: no item runs twice (threads and async never re-run an item)");
            duplicated += tally.Duplicated;
            tally.Duplicated.Should().Be(0, $"seed {seed}");
            tally.Invented.Should().Be(0, $"seed {seed}");
            tally.Failed.Should().Be(0, $"seed {seed}: a designated item fails with its own ChaosException, every other item succeeds with its own result");
            tally.Wrong.Should().Be(0, $"seed {seed}: every outcome is its own item's");
            if (cancelled)
            {
                cancelledRuns++;
                outcomesInCancelledRuns += tally.Outcomes;

                // Cancelled runs stop early: items not reached have no outcome, and that is not a loss. What must hold is
                // that every item that has an outcome ran, and ran once.
                Enumerable.Range(0, Items).Where(i => tally.Count(i) > 0).Should().OnlyContain(i => calls[i] == 1, $"seed {seed}: an outcome comes from a run of its item");
            }
            else
            {
                completedRuns++;
                lostInCompletedRuns += tally.Lost;
                tally.Lost.Should().Be(0, $"seed {seed}: a run that was not cancelled gives every item its outcome");
            }
        }

        if (kind == StrategyKind.Thread)
        {
            (await Reliability.EventuallyAsync(() => Reliability.ThreadsNamed("Concurrency.Strategies worker") == 0, TimeSpan.FromSeconds(5)))
                .Should().BeTrue("disposing a thread strategy stops every one of its threads");
        }

        Reliability.Record(output, $"chaos-{kind}", new Dictionary<string, object>
        {
            ["runs"] = rounds, ["itemsPerRun"] = Items, ["cancelledRuns"] = cancelledRuns, ["completedRuns"] = completedRuns,
            ["lostInCompletedRuns"] = lostInCompletedRuns, ["duplicated"] = duplicated, ["outcomesInCancelledRuns"] = outcomesInCancelledRuns,
        });
        cancelledRuns.Should().BePositive();
    }

    private static bool Throws(int x, int seed) => ((uint)((x + 1) * 2654435761u) ^ (uint)seed) % 10 == 0;

    private static int Work(int x, int seed, int[] calls)
    {
        Interlocked.Increment(ref calls[x]);
        return Throws(x, seed) ? throw new ChaosException(x) : x * 2;
    }

    /// <summary>
    /// The items; the second half trickles (a millisecond apart) while the chaos has killed fewer workers than asked,
    /// so the run is still going, with live workers to kill, when the kills happen (an idle pool has no worker to kill).
    /// </summary>
    private static async IAsyncEnumerable<long> Source(int items, ChaosMonkey chaos, int minimumKills)
    {
        for (long i = 0; i < items; i++)
        {
            if (i >= items / 2 && chaos.Kills < minimumKills)
            {
                await Task.Delay(1);
            }
            else if (i % 512 == 0)
            {
                await Task.Yield();
            }

            yield return i;
        }
    }

    private sealed class ChaosException(int item) : Exception($"chaos: item {item} throws by design");
}
