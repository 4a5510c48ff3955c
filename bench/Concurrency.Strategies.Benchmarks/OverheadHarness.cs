using System.Diagnostics;
using System.Globalization;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Benchmarks;

/// <summary>
/// Per-item overhead of each strategy on trivial items, next to the .NET built-ins a user would pick instead,
/// measured in the same process and run, interleaved round by round so machine noise hits all alike.
/// </summary>
internal static class OverheadHarness
{
    public static async Task RunAsync(int items, int rounds)
    {
        var source = Enumerable.Range(0, items).ToArray();
        var cores = Environment.ProcessorCount;
        await using var threads = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = cores });
        await using var asyncStrategy = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = cores });

        var spins = CalibrateFiftyNanoseconds();
        var cases = new (string Name, Func<Task<long>> Run)[]
        {
            ("Parallel.ForEach (array), ~50 ns items", () => Task.FromResult(ParallelForEachWork(source, cores, spins))),
            ("ThreadStrategy.RunAsync, ~50 ns items", () => Drain(threads.RunAsync(source, x => Work(x, spins)))),
            ("Parallel.ForEach (array)", () => Task.FromResult(ParallelForEach(source, cores))),
            ("Parallel.ForEachAsync (array)", () => ParallelForEachAsync(source, cores)),
            ("ThreadStrategy.RunAsync", () => Drain(threads.RunAsync(source, x => x + 1))),
            ("AsyncStrategy.RunAsync", () => Drain(asyncStrategy.RunAsync(source, x => x + 1))),
            ("AsyncStrategy.RunAsync (Task.Yield items)", () => Drain(asyncStrategy.RunAsync(source, YieldingWork))),
            ("Parallel.ForEachAsync (Task.Yield items)", () => ParallelForEachYieldAsync(source, cores)),
        };

        var samples = cases.ToDictionary(c => c.Name, _ => new List<double>());
        for (var round = 0; round < rounds + 1; round++)
        {
            foreach (var (name, run) in cases)
            {
                GC.Collect();
                var sw = Stopwatch.StartNew();
                var sum = await run();
                sw.Stop();
                if (!name.Contains("50 ns", StringComparison.Ordinal) && sum != SumOfSuccessors(items))
                {
                    throw new InvalidOperationException($"{name} returned a wrong checksum: {sum}.");
                }

                if (round > 0)
                {
                    samples[name].Add(sw.Elapsed.TotalMilliseconds * 1000.0 / items);
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{items:N0} items, {cores} cores, MaxConcurrency = {cores}, median of {rounds} rounds (one warm-up dropped), .NET {Environment.Version}"));
        Console.WriteLine("Trivial items are x => x + 1; ~50 ns items spin a calibrated loop. Ratios: time per item / the baseline's, same run.");
        Console.WriteLine($"{"case",-48} {"µs/item",10} {"vs baseline",12}");
        foreach (var (name, _) in cases)
        {
            var baselineName = name.Contains("50 ns", StringComparison.Ordinal) ? cases[0].Name : cases[2].Name;
            var median = Median(samples[name]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-48} {median,10:F3} {median / Median(samples[baselineName]),11:F2}x"));
        }

        var fifty = Median(samples[cases[1].Name]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ThreadStrategy throughput on ~50 ns items = {Median(samples[cases[0].Name]) / fifty:F2}x Parallel.ForEach's (target >= 0.5x)"));
    }

    /// <summary>Finds a loop length that takes about 50 ns per item, serially, on this machine.</summary>
    internal static int CalibrateFiftyNanoseconds()
    {
        var spins = 8;
        while (true)
        {
            var sw = Stopwatch.StartNew();
            long sink = 0;
            for (var i = 0; i < 200_000; i++)
            {
                sink += Work(i, spins);
            }

            var perItem = sw.Elapsed.TotalNanoseconds / 200_000;
            GC.KeepAlive(sink);
            if (perItem >= 50 || spins > 10_000)
            {
                return spins;
            }

            spins = (int)Math.Ceiling(spins * Math.Max(1.1, 50 / Math.Max(perItem, 1)));
        }
    }

    internal static int Work(int x, int spins)
    {
        var h = x;
        for (var i = 0; i < spins; i++)
        {
            h = (h * 31) + i;
        }

        return h;
    }

    private static long ParallelForEachWork(int[] source, int cores, int spins)
    {
        long sum = 0;
        Parallel.ForEach(
            source,
            new ParallelOptions { MaxDegreeOfParallelism = cores },
            () => 0L,
            (x, _, local) => local + Work(x, spins),
            local => Interlocked.Add(ref sum, local));
        return sum;
    }

    private static long SumOfSuccessors(int items) => (long)items * (items + 1) / 2;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static async ValueTask<int> YieldingWork(int x, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return x + 1;
    }

    private static async Task<long> Drain(IAsyncEnumerable<ItemOutcome<int, int>> outcomes)
    {
        long sum = 0;
        await foreach (var outcome in outcomes)
        {
            sum += outcome.Result;
        }

        return sum;
    }

    private static long ParallelForEach(int[] source, int cores)
    {
        long sum = 0;
        Parallel.ForEach(
            source,
            new ParallelOptions { MaxDegreeOfParallelism = cores },
            () => 0L,
            (x, _, local) => local + x + 1,
            local => Interlocked.Add(ref sum, local));
        return sum;
    }

    private static async Task<long> ParallelForEachAsync(int[] source, int cores)
    {
        long sum = 0;
        await Parallel.ForEachAsync(source, new ParallelOptions { MaxDegreeOfParallelism = cores }, (x, _) =>
        {
            Interlocked.Add(ref sum, x + 1);
            return ValueTask.CompletedTask;
        });
        return sum;
    }

    private static async Task<long> ParallelForEachYieldAsync(int[] source, int cores)
    {
        long sum = 0;
        await Parallel.ForEachAsync(source, new ParallelOptions { MaxDegreeOfParallelism = cores }, async (x, _) =>
        {
            await Task.Yield();
            Interlocked.Add(ref sum, x + 1);
        });
        return sum;
    }
}
