using System.Diagnostics;
using System.Globalization;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.TestWorkloads;

/// <summary>The "stream" command: a long lazy stream through one strategy, measured from inside a fresh process.</summary>
public static class StreamCommand
{
    public static async Task<int> RunAsync(string kind, long items, long workerLimit)
    {
        await using IExecutionStrategy strategy = kind switch
        {
            "thread" => new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 }),
            "async" => new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 100 }),
            "process" => new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 2, MaxWorkerMemoryBytes = workerLimit }),
            _ => throw new ArgumentException($"Unknown kind '{kind}': thread, async or process.", nameof(kind)),
        };
        var workers = strategy as ProcessStrategy;
        if (workers is not null)
        {
            await workers.WarmUpAsync();
        }

        var workerPeak = 0L;
        var replaced = new HashSet<int>();
        using var sampling = new CancellationTokenSource();
        var sampler = workers is null ? Task.CompletedTask : Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                foreach (var pid in workers.WorkerProcessIds)
                {
                    replaced.Add(pid);
                    workerPeak = Math.Max(workerPeak, ProcStatus.Bytes(pid, "VmRSS"));
                }

                await Task.Delay(50);
            }
        });

        long count = 0;
        long sum = 0;
        long errors = 0;
        long next = 0;
        var outOfOrder = 0L;
        var rssAtQuarter = 0L;
        var clock = Stopwatch.StartNew();
        await foreach (var outcome in strategy.RunAsync(Stream(items), Workloads.AddOne, new RunOptions { Ordered = true }))
        {
            outOfOrder += outcome.Index == next++ ? 0 : 1;
            errors += outcome.Error is null ? 0 : 1;
            sum += outcome.Result - outcome.Item;
            if (++count == items / 4)
            {
                rssAtQuarter = ProcStatus.Bytes(Environment.ProcessId, "VmRSS");
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"items\":{count},\"sum\":{sum},\"errors\":{errors},\"outOfOrder\":{outOfOrder},\"seconds\":{seconds:F2},\"peakRssBytes\":{ProcStatus.Bytes(Environment.ProcessId, "VmHWM")},\"workerPeakRssBytes\":{workerPeak},\"workersSeen\":{replaced.Count},\"rssAtQuarterBytes\":{rssAtQuarter},\"rssAtEndBytes\":{ProcStatus.Bytes(Environment.ProcessId, "VmRSS")}}}"));
        return 0;
    }

    private static IEnumerable<long> Stream(long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return i;
        }
    }
}
