using System.Diagnostics;
using System.Globalization;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Benchmarks;

/// <summary>
/// Evidence for ThreadStrategy's default MaxConcurrency (8 per core): throughput of blocking items at several
/// thread counts, for pure waiting (a 20 ms sleep stands in for a blocking download) and for waiting plus
/// 2 ms of CPU work per item (parsing, decoding), with the process's working set, in one run.
/// </summary>
internal static class ThreadCountHarness
{
    public static async Task RunAsync()
    {
        const int Items = 400;
        var latency = TimeSpan.FromMilliseconds(20);
        var cpu = TimeSpan.FromMilliseconds(2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Items} blocking items, {Environment.ProcessorCount} cores, .NET {Environment.Version}"));
        Console.WriteLine($"{"threads",8} {"wait-only items/s",18} {"vs 4",7} {"wait+2ms CPU items/s",21} {"vs 4",7} {"working set MB",15}");
        double? waitBase = null, mixedBase = null;
        foreach (var threads in new[] { 4, 8, 16, 32, 64, 128 })
        {
            var waitOnly = await MeasureAsync(threads, Items, _ => Thread.Sleep(latency));
            var mixed = await MeasureAsync(threads, Items, _ =>
            {
                Thread.Sleep(latency);
                var spin = Stopwatch.StartNew();
                while (spin.Elapsed < cpu)
                {
                    Thread.SpinWait(50);
                }
            });
            waitBase ??= waitOnly;
            mixedBase ??= mixed;
            var workingSet = Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{threads,8} {waitOnly,18:F0} {waitOnly / waitBase,6:F2}x {mixed,21:F0} {mixed / mixedBase,6:F2}x {workingSet,15:F1}"));
        }
    }

    private static async Task<double> MeasureAsync(int threads, int items, Action<int> work)
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = threads });
        var sw = Stopwatch.StartNew();
        await strategy.ForEachAsync(Enumerable.Range(0, items), work);
        return items / sw.Elapsed.TotalSeconds;
    }
}
