using System.Diagnostics;
using System.Globalization;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Benchmarks;

/// <summary>
/// Loops, for a set time, the cases whose targets were missed, so a profiler can attach and see where the time goes:
///   dotnet-trace collect --profile dotnet-sampled-thread-time -o t.nettrace -- dotnet Concurrency.Strategies.Benchmarks.dll profile thread-tiny 10
///   dotnet-trace report t.nettrace topN -n 25
/// bench/profile.sh runs all of them and writes the reports into docs/profiles/.
/// </summary>
internal static class ProfileTargets
{
    public static async Task<int> RunAsync(string what, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long items = 0;
        switch (what)
        {
            case "thread-tiny":
            {
                // ~50 ns items on 2 threads (target: >= 0.5x Parallel.ForEach over an array).
                var spin = OverheadHarness.CalibrateFiftyNanoseconds();
                var source = Enumerable.Range(0, 1_000_000).ToArray();
                using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });
                while (clock.Elapsed < duration)
                {
                    await foreach (var outcome in strategy.RunAsync(source, x => Item(x, spin)))
                    {
                        items += outcome.Result > 0 ? 1 : 0;
                    }
                }

                break;
            }

            case "async-yield":
            {
                // Task.Yield items at concurrency 100 (target: >= 1.2x Parallel.ForEachAsync).
                var source = Enumerable.Range(0, 200_000).ToArray();
                await using var strategy = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 100 });
                while (clock.Elapsed < duration)
                {
                    await foreach (var outcome in strategy.RunAsync(source, YieldAsync))
                    {
                        items += outcome.Result > 0 ? 1 : 0;
                    }
                }

                break;
            }

            case "process-auto":
            {
                // Trivial items, automatic batches on 2 workers (target: >= 2x better per item than ProcessPoolExecutor chunksize 100).
                var source = Enumerable.Range(0, 200_000).ToArray();
                await using var strategy = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 2 });
                await strategy.WarmUpAsync();
                while (clock.Elapsed < duration)
                {
                    await foreach (var outcome in strategy.RunAsync(source, AddOne))
                    {
                        items += outcome.Result > 0 ? 1 : 0;
                    }
                }

                break;
            }

            case "process-roundtrip":
            {
                // One item at a time on a warm worker (target: <= 200 us).
                await using var strategy = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 1 });
                await strategy.WarmUpAsync();
                while (clock.Elapsed < duration)
                {
                    items += await strategy.InvokeAsync(1, AddOne) > 0 ? 1 : 0;
                }

                break;
            }

            default:
                Console.Error.WriteLine($"Unknown profile target '{what}'. Targets: thread-tiny, async-yield, process-auto, process-roundtrip.");
                return 2;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {items:N0} items in {clock.Elapsed.TotalSeconds:F1} s, {clock.Elapsed.TotalMilliseconds * 1e6 / Math.Max(items, 1):F0} ns per item."));
        return 0;
    }

    private static long Item(int x, int spin)
    {
        GC.KeepAlive(OverheadHarness.Work(x, spin));
        return x + 1L;
    }

    private static async ValueTask<long> YieldAsync(int x, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return x + 1L;
    }

    private static int AddOne(int x) => x + 1;
}
