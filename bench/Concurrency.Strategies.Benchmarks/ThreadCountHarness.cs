using System.Diagnostics;
using System.Globalization;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Benchmarks;

/// <summary>
/// Evidence for ThreadStrategy's default MaxConcurrency: throughput of blocking items (a 20 ms sleep stands in
/// for a blocking download) and the process's memory, at several thread counts, in one run.
/// </summary>
internal static class ThreadCountHarness
{
    public static async Task RunAsync()
    {
        const int Items = 400;
        var latency = TimeSpan.FromMilliseconds(20);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Items} blocking items of {latency.TotalMilliseconds} ms, {Environment.ProcessorCount} cores"));
        Console.WriteLine($"{"threads",8} {"wall ms",10} {"items/s",10} {"vs 4 threads",14} {"working set MB",16}");
        double? baseline = null;
        foreach (var threads in new[] { 4, 8, 16, 32, 64, 128 })
        {
            await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = threads });
            var sw = Stopwatch.StartNew();
            await strategy.ForEachAsync(Enumerable.Range(0, Items), _ => Thread.Sleep(latency));
            sw.Stop();
            var rate = Items / sw.Elapsed.TotalSeconds;
            baseline ??= rate;
            var workingSet = Process.GetCurrentProcess().WorkingSet64 / (1024.0 * 1024.0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{threads,8} {sw.Elapsed.TotalMilliseconds,10:F0} {rate,10:F0} {rate / baseline,13:F2}x {workingSet,16:F1}"));
        }
    }
}
