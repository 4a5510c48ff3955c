namespace Concurrency.Strategies.Demo;

/// <summary>
/// (b) CPU-bound work: counting primes. Python threads gain nothing here (the GIL: 0.93x on 2 cores) and need
/// processes; .NET threads run it in parallel.
/// </summary>
internal sealed class CpuBoundWorkload : IWorkload
{
    public async Task<WorkloadReport> RunAsync(DemoContext context)
    {
        var sizes = context.Sizes;
        var width = sizes.PrimeRangeWidth;
        var ranges = Enumerable.Range(0, sizes.PrimeRanges).Select(i => new PrimeRange(i * width, (i + 1) * width)).ToArray();
        var limit = ranges[^1].End;
        var sieve = new PrimeSieve(limit);
        Func<PrimeRange, int> count = TrialDivision.CountPrimes;
        Func<PrimeRange, int> expected = sieve.CountPrimes;
        const string Work = "trial division";
        var cores = Environment.ProcessorCount;

        // More threads than cores only adds switching for work that never waits.
        var perCore = new RunOptions { MaxConcurrency = cores };
        var measurer = context.Measurer;

        Measurement[] rows =
        [
            await measurer.SerialAsync(Work, ranges, count, expected),
            await measurer.StrategyAsync(context.Threads, perCore, Work, ranges, count, expected),
            await measurer.StrategyAsync(context.Async, perCore, Work, ranges, count, expected),
            await measurer.StrategyAsync(context.Processes, perCore, Work, ranges, count, expected),
        ];

        var total = ranges.Sum(sieve.CountPrimes);
        return new WorkloadReport(
            "(b) CPU-bound",
            $"count the {Format.Count(total)} primes below {Format.Count(limit)} by trial division, in {ranges.Length} ranges "
            + "(each count checked against a sieve)",
            $".NET has no GIL: {cores} threads compute in parallel, up to {cores}x on {cores} cores (Python threads: 0.93x, it needed "
            + "processes); the async strategy runs on the multi-threaded pool, so CPU work there is parallel too. The process strategy "
            + "first starts its workers (a few hundred ms here) and each fresh worker compiles the work again, so a job this short "
            + "gains little or nothing: in .NET, processes are for isolation (crashes, leaks, hard kills), not for speed.",
            rows);
    }
}
