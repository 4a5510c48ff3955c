using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Benchmarks.Scenarios;
using Concurrency.Strategies.LocalCluster;
using Concurrency.Strategies.Orleans;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScottPlot;

namespace Concurrency.Strategies.Benchmarks.Cluster;

/// <summary>
/// The cluster strategy on a local cluster of three silo processes (samples/Concurrency.Strategies.Silo, localhost
/// clustering) against the process strategy and the in-process strategies, in one run: per-item overhead, a
/// one-at-a-time round trip, CPU throughput and I/O throughput. Every case checks one outcome per item and the
/// results' checksum; medians of interleaved rounds, ratios to the workload's baseline. Writes the tables between
/// markers in docs/scale-out.md and two plots into docs/images/.
/// </summary>
internal static class ClusterBench
{
    public const string Command = "dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- cluster";
    public const string Begin = "<!-- cluster:begin -->";
    public const string End = "<!-- cluster:end -->";

    private const int Silos = 3;
    private static readonly int Cores = Environment.ProcessorCount;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var rounds = quick ? 1 : 3;
        var output = !quick && Directory.Exists("docs") ? "docs" : Path.Combine("artifacts", "cluster");
        var total = Stopwatch.StartNew();
        var machine = string.Create(CultureInfo.InvariantCulture,
            $"{Cores} cores, .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}");
        Console.WriteLine($"Cluster bench ({(quick ? "quick" : "full")}, {rounds} round(s), medians): {machine}.");

        LocalSilos? silos = null;
        IHost? client = null;
        var workloads = new List<Workload>();
        try
        {
            silos = await LocalSilos.StartAsync(Silos, line => Console.WriteLine($"  {line}"));
            client = await StartClientAsync(silos.GatewayPorts);
            var cluster = client.Services.GetRequiredService<ClusterStrategy>();
            await using var processes = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = Cores });
            await processes.WarmUpAsync();

            var trivial = quick ? 2_000 : 20_000;
            var roundTrips = quick ? 200 : 1_000;
            var cpuItems = quick ? 24 : 120;
            var ioItems = quick ? 400 : 2_000;
            var (limit, itemTime) = PrimeLimitFor(TimeSpan.FromMilliseconds(20));
            var all = new[]
            {
                Overhead(cluster, processes, trivial),
                RoundTrip(cluster, processes, roundTrips),
                Cpu(cluster, processes, cpuItems, limit, itemTime),
                Io(cluster, ioItems),
            };
            foreach (var workload in all)
            {
                await ScenarioBench.RunWorkloadAsync(workload, rounds);
                workloads.Add(workload);
            }

            var spread = string.Join(", ", cluster.ItemsBySilo.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.ToString("N0", CultureInfo.InvariantCulture)));
            Write(output, workloads, machine, quick ? Command + " --quick" : Command, total.Elapsed, spread);
        }
        finally
        {
            if (client is not null)
            {
                await client.StopAsync();
                client.Dispose();
            }

            if (silos is not null)
            {
                await silos.DisposeAsync();
            }
        }

        var failed = workloads.SelectMany(w => w.Cases).Where(c => c.Failed).ToList();
        foreach (var bad in failed)
        {
            Console.WriteLine($"FAILED {bad.Workload} {bad.Label}: {string.Join("; ", bad.Problems.Take(3))}");
        }

        return failed.Count == 0 ? 0 : 1;
    }

    // ---------------------------------------------------------------- workloads

    private static Workload Overhead(ClusterStrategy cluster, ProcessStrategy processes, int count)
    {
        var items = Enumerable.Range(0, count).ToArray();
        var expected = Sum(count);
        var cases = new List<BenchCase>
        {
            ScenarioBench.DotNet("cluster-overhead", Family.Processes, "ProcessStrategy", Cores, count,
                ct => ScenarioBench.TimeAsync(processes, items, ScenarioWork.AddOne, x => x, expected, null, ct, dispose: false), "automatic batches", baseline: true),
            ScenarioBench.DotNet("cluster-overhead", Family.Processes, "ProcessStrategy", Cores, count,
                ct => ScenarioBench.TimeAsync(processes, items, ScenarioWork.AddOne, x => x, expected, new RunOptions { BatchSize = 1 }, ct, dispose: false), "batch 1: a message per item", batch: 1),
            ScenarioBench.DotNet("cluster-overhead", Family.BuiltIn, "ClusterStrategy", 8, count,
                ct => ScenarioBench.TimeAsync(cluster, items, ScenarioWork.AddOne, x => x, expected, new RunOptions { MaxConcurrency = 8 }, ct, dispose: false), "3 silos: a grain call per item"),
            ScenarioBench.DotNet("cluster-overhead", Family.BuiltIn, "ClusterStrategy", 64, count,
                ct => ScenarioBench.TimeAsync(cluster, items, ScenarioWork.AddOne, x => x, expected, new RunOptions { MaxConcurrency = 64 }, ct, dispose: false), "3 silos: a grain call per item",
                warmUp: ct => ScenarioBench.TimeAsync(cluster, items[..500], ScenarioWork.AddOne, x => x, Sum(500), null, ct, dispose: false)),
            ScenarioBench.DotNet("cluster-overhead", Family.BuiltIn, "Orleans no-op call", 64, count,
                ct => BareCallsAsync(cluster, count, 64, ct), "a no-op call: the grain's IsRunningAsync, Task.WhenAll over a SemaphoreSlim"),
            ScenarioBench.DotNet("cluster-overhead", Family.BuiltIn, "Orleans item call", 64, count,
                ct => BareRunCallsAsync(cluster, count, 64, ct), "the item's call without the strategy: a prebuilt request (work, item bytes) to the grain's RunAsync"),
            ScenarioBench.DotNet("cluster-overhead", Family.Async, "AsyncStrategy", 64, count,
                ct => ScenarioBench.TimeAsync(new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 64 }), items, ScenarioWork.AddOne, x => x, expected, null, ct), "in process, for scale"),
        };
        return new Workload("cluster-overhead", string.Create(CultureInfo.InvariantCulture, $"Per-item overhead: {count:N0} trivial items (x => x + 1)"), Measure.PerItem, cases, null,
            "The cluster sends every item as its own grain call (a request and a reply over TCP through a gateway); the process strategy batches tiny items automatically, or sends one per message at batch 1.");
    }

    private static Workload RoundTrip(ClusterStrategy cluster, ProcessStrategy processes, int calls)
    {
        var expected = Sum(calls);
        var cases = new List<BenchCase>
        {
            ScenarioBench.DotNet("cluster-roundtrip", Family.Processes, "ProcessStrategy", 1, calls, ct => OneAtATimeAsync(processes, calls, expected, ct), "InvokeAsync, one after another", baseline: true, batch: 1),
            ScenarioBench.DotNet("cluster-roundtrip", Family.BuiltIn, "ClusterStrategy", 1, calls, ct => OneAtATimeAsync(cluster, calls, expected, ct), "InvokeAsync, one after another"),
            ScenarioBench.DotNet("cluster-roundtrip", Family.BuiltIn, "Orleans no-op call", 1, calls, ct => BareCallsAsync(cluster, calls, 1, ct), "the grain's IsRunningAsync, one after another"),
        };
        return new Workload("cluster-roundtrip", string.Create(CultureInfo.InvariantCulture, $"Warm round trip: {calls:N0} trivial items, one at a time"), Measure.PerItem, cases, null,
            "Latency of one item with nothing else in flight: to a warm worker process over its pipes, against a grain call to a silo over TCP.");
    }

    private static Workload Cpu(ClusterStrategy cluster, ProcessStrategy processes, int count, int limit, TimeSpan itemTime)
    {
        var items = Enumerable.Repeat(limit, count).ToArray();
        var primes = ScenarioWork.Primes(limit);
        var expected = (long)primes * count;
        var cases = new List<BenchCase>
        {
            ScenarioBench.DotNet("cluster-cpu", Family.Threads, "ThreadStrategy", Cores, count,
                ct => ScenarioBench.TimeAsync(new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = Cores }), items, ScenarioWork.Primes, x => x, expected, null, ct), "one thread per core", baseline: true),
            ScenarioBench.DotNet("cluster-cpu", Family.Processes, "ProcessStrategy", Cores, count,
                ct => ScenarioBench.TimeAsync(processes, items, ScenarioWork.Primes, x => x, expected, null, ct, dispose: false), "one worker per core"),
            ScenarioBench.DotNet("cluster-cpu", Family.BuiltIn, "ClusterStrategy", Cores, count,
                ct => ScenarioBench.TimeAsync(cluster, items, ScenarioWork.Primes, x => x, expected, new RunOptions { MaxConcurrency = Cores }, ct, dispose: false), "one item per core of this machine"),
            ScenarioBench.DotNet("cluster-cpu", Family.BuiltIn, "ClusterStrategy", Silos * Cores, count,
                ct => ScenarioBench.TimeAsync(cluster, items, ScenarioWork.Primes, x => x, expected, new RunOptions { MaxConcurrency = Silos * Cores }, ct, dispose: false), "one item per silo core (3 silos, 1 machine)",
                warmUp: ct => ScenarioBench.TimeAsync(cluster, items[..Math.Min(12, count)], ScenarioWork.Primes, x => x, (long)primes * Math.Min(12, count), null, ct, dispose: false)),
        };
        return new Workload("cluster-cpu", string.Create(CultureInfo.InvariantCulture, $"CPU throughput: {count} items of ~{itemTime.TotalMilliseconds:0} ms each on one idle core (primes below {limit:N0})"), Measure.Throughput, cases, null,
            string.Create(CultureInfo.InvariantCulture, $"All three silos run on this machine's {Cores} cores, so this measures what the cluster costs, not what more machines add: with n machines of {Cores} cores the same run has n times the cores."));
    }

    private static Workload Io(ClusterStrategy cluster, int count)
    {
        var items = Enumerable.Range(0, count).ToArray();
        var expected = Sum(count);
        var cases = new List<BenchCase>
        {
            ScenarioBench.DotNet("cluster-io", Family.Async, "AsyncStrategy", 200, count,
                ct => ScenarioBench.TimeAsync(new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 200 }), items, ClusterWork.WaitThenAddOneAsync, x => x, expected, ct), "in process", baseline: true),
            ScenarioBench.DotNet("cluster-io", Family.BuiltIn, "ClusterStrategy", 200, count,
                ct => ScenarioBench.TimeAsync(cluster, count, x => x, expected, cluster.RunAsync(items, ClusterWork.WaitThenAddOneAsync, new RunOptions { MaxConcurrency = 200 }, ct), dispose: false), "3 silos"),
        };
        return new Workload("cluster-io", string.Create(CultureInfo.InvariantCulture, $"I/O throughput: {count:N0} items that each await 20 ms, 200 in flight"), Measure.Throughput, cases, null,
            "The ideal is 200 items per 20 ms (10,000/s). A silo runs an awaiting item without holding a thread, as the async strategy does.");
    }

    private static async Task<Sample> OneAtATimeAsync(IExecutionStrategy strategy, int calls, long expected, CancellationToken cancellationToken)
    {
        long sum = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            sum += await strategy.InvokeAsync(i, ScenarioWork.AddOne, cancellationToken: cancellationToken);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return new Sample(seconds, sum == expected ? null : $"sum {sum}, expected {expected}");
    }

    /// <summary>
    /// The floor under the cluster strategy: bare no-op calls (the worker grain's <c>IsRunningAsync</c>) to the same
    /// grains, <paramref name="concurrency"/> at a time, with no run engine, serialization or work.
    /// </summary>
    private static Task<Sample> BareCallsAsync(ClusterStrategy cluster, int calls, int concurrency, CancellationToken cancellationToken)
    {
        var grains = Grains(cluster);
        return CallsAsync(calls, concurrency, async i => !await grains[i % grains.Length].IsRunningAsync(Guid.Empty), cancellationToken);
    }

    /// <summary>
    /// The item's grain call without the strategy around it: the same request the strategy sends for AddOne (work
    /// identity, item bytes, a call id), <paramref name="concurrency"/> at a time over the same keys, reply checked.
    /// The gap to the no-op call is the silo's side (the work, its registry, the thread-pool hop); the gap to the
    /// strategy is the client's (the run engine, serialization, the liveness wait).
    /// </summary>
    private static Task<Sample> BareRunCallsAsync(ClusterStrategy cluster, int calls, int concurrency, CancellationToken cancellationToken)
    {
        var identity = Concurrency.Strategies.Processes.WorkIdentity.From((Func<int, long>)ScenarioWork.AddOne);
        var start = System.Text.Json.JsonSerializer.Serialize(
            new Concurrency.Strategies.Processes.Protocol.StartMessage(identity, Concurrency.Strategies.Processes.WorkIdentity.TypeName(typeof(int)), Concurrency.Strategies.Processes.WorkIdentity.TypeName(typeof(long))),
            Concurrency.Strategies.Processes.Protocol.ProtocolJson.Default.StartMessage);
        var item = Encoding.UTF8.GetBytes("41");
        var grains = Grains(cluster);
        return CallsAsync(calls, concurrency, async i =>
        {
            var reply = await grains[i % grains.Length].RunAsync(new Concurrency.Strategies.Orleans.Grains.WorkRequest { Start = start, Item = item, Index = -1, CallId = Guid.NewGuid() });
            return reply.Result is { } result && Encoding.UTF8.GetString(result) == "42";
        }, cancellationToken);
    }

    private static Concurrency.Strategies.Orleans.Grains.IStatelessWorkItemGrain[] Grains(ClusterStrategy cluster) =>
        Enumerable.Range(0, 64).Select(k => cluster.GrainFactory.GetGrain<Concurrency.Strategies.Orleans.Grains.IStatelessWorkItemGrain>(k)).ToArray();

    /// <summary>Makes <paramref name="calls"/> calls, <paramref name="concurrency"/> at a time (a semaphore), and checks that each answered as expected.</summary>
    private static async Task<Sample> CallsAsync(int calls, int concurrency, Func<int, Task<bool>> call, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var answered = 0;
        var clock = Stopwatch.StartNew();
        var pending = new Task[calls];
        for (var i = 0; i < calls; i++)
        {
            await gate.WaitAsync(cancellationToken);
            pending[i] = OneAsync(i);
        }

        await Task.WhenAll(pending);
        var seconds = clock.Elapsed.TotalSeconds;
        return new Sample(seconds, answered == calls ? null : $"{answered} of {calls} calls answered as expected");

        async Task OneAsync(int i)
        {
            try
            {
                if (await call(i))
                {
                    Interlocked.Increment(ref answered);
                }
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private static long Sum(int n) => (long)n * (n + 1) / 2;

    /// <summary>The prime limit whose count takes about <paramref name="target"/> on one core here, and what it measured (median of 5).</summary>
    private static (int Limit, TimeSpan Measured) PrimeLimitFor(TimeSpan target)
    {
        var limit = 50_000;
        var measured = Measure(limit);
        for (var step = 0; step < 8 && Math.Abs(measured / target - 1) > 0.15; step++)
        {
            // Trial division up to the limit costs about limit^1.5; scale toward the target and measure again.
            limit = Math.Max(1_000, (int)(limit * Math.Pow(target / measured, 1 / 1.5)));
            measured = Measure(limit);
        }

        return (limit, measured);

        static TimeSpan Measure(int limit)
        {
            ScenarioWork.Primes(limit);
            var times = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                ScenarioWork.Primes(limit);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            return TimeSpan.FromMilliseconds(BenchCase.Middle(times));
        }
    }

    // ---------------------------------------------------------------- the cluster

    /// <summary>A client host as an app would have it: AddOrleansCluster with the local silos' gateways.</summary>
    private static async Task<IHost> StartClientAsync(int[] gateways)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddConcurrencyStrategies().AddOrleansCluster(configureClient: client => client.UseLocalhostClustering(gateways));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    // ---------------------------------------------------------------- report

    private static void Write(string directory, List<Workload> workloads, string machine, string command, TimeSpan elapsed, string spread)
    {
        var images = Path.Combine(directory, "images");
        Directory.CreateDirectory(images);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {machine}. Command: `{command}` ({elapsed.TotalMinutes:F1} min). Silos: {Silos} processes of samples/Concurrency.Strategies.Silo on this machine (localhost clustering), the client in the bench process. Medians of the rounds; every ratio is to the workload's baseline in the same run. Items each silo answered in this run: {spread}.");
        md.AppendLine();
        foreach (var workload in workloads)
        {
            var baseline = workload.Cases.First(c => c.IsBaseline);
            md.AppendLine(CultureInfo.InvariantCulture, $"**{workload.Title}.** {workload.Note}");
            md.AppendLine();
            md.AppendLine(workload.Measure == Measure.PerItem
                ? "| Approach | Setting | Median | Per item | vs baseline | Rounds |"
                : "| Approach | Setting | Median | Items/s | vs baseline | Rounds |");
            md.AppendLine("|---|---|---:|---:|---:|---|");
            foreach (var c in workload.Cases)
            {
                var figure = c.Failed ? "failed"
                    : workload.Measure == Measure.PerItem ? ScenarioReport.Duration(c.PerItemNanoseconds)
                    : c.Throughput.ToString("N0", CultureInfo.InvariantCulture);
                var ratio = c.Failed || baseline.Failed ? "-" : $"{ScenarioReport.Speedup(c, baseline).ToString("0.00", CultureInfo.InvariantCulture)}x";
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {c.Approach} ×{c.Concurrency}{(c.IsBaseline ? " (baseline)" : string.Empty)} | {c.Setting} | {(c.Failed ? "-" : BenchCase.Format(c.Median) + " s")} | {figure} | {ratio} | {c.Range} |");
            }

            md.AppendLine();
        }

        md.AppendLine("![Per-item cost](images/cluster-per-item.png)");
        md.AppendLine();
        md.AppendLine("![Throughput against the baseline](images/cluster-throughput.png)");
        Plot(workloads, images);

        var file = Path.Combine(directory, "scale-out.md");
        var text = File.Exists(file) ? File.ReadAllText(file) : $"# Scale-out\n\n{Begin}\n{End}\n";
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? string.Concat(text.AsSpan(0, begin + Begin.Length), "\n", md.ToString(), text.AsSpan(end))
            : text + $"\n{Begin}\n{md}{End}\n";
        File.WriteAllText(file, text);
        Console.WriteLine(md.ToString());
        Console.WriteLine($"Wrote {file} and {images}/cluster-*.png.");
    }

    private static void Plot(List<Workload> workloads, string images)
    {
        Bars(workloads.Where(w => w.Measure == Measure.PerItem).ToList(), Path.Combine(images, "cluster-per-item.png"),
            "Cost per item (µs, lower is better)", (c, _) => c.PerItemNanoseconds / 1_000);
        Bars(workloads.Where(w => w.Measure == Measure.Throughput).ToList(), Path.Combine(images, "cluster-throughput.png"),
            "Throughput vs the workload's baseline (higher is better)", ScenarioReport.Speedup);
    }

    private static void Bars(List<Workload> workloads, string file, string title, Func<BenchCase, BenchCase, double> value)
    {
        var plot = new Plot();
        plot.Title(title);
        var ticks = new List<Tick>();
        var position = 0.0;
        foreach (var workload in workloads)
        {
            var baseline = workload.Cases.First(c => c.IsBaseline);
            foreach (var c in workload.Cases.Where(c => !c.Failed))
            {
                var height = value(c, baseline);
                var bar = plot.Add.Bar(position, height);
                bar.Color = c.Approach == "ClusterStrategy" ? Colors.DarkOrange : c.Approach == "ProcessStrategy" ? Colors.Navy : Colors.SeaGreen;
                ticks.Add(new Tick(position, $"{workload.Name.Replace("cluster-", string.Empty, StringComparison.Ordinal)}\n{c.Approach.Replace("Strategy", string.Empty, StringComparison.Ordinal).Replace("Orleans ", string.Empty, StringComparison.Ordinal)} ×{c.Concurrency}{(c.Batch == 1 ? " b1" : string.Empty)}"));
                position++;
            }

            position += 0.6;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plot.Axes.Bottom.TickLabelStyle.FontSize = 10;
        plot.Axes.Margins(bottom: 0);
        plot.SavePng(file, 1200, 520);
    }
}

/// <summary>Work for the cluster bench: static, so the silos (and worker processes) find it by name.</summary>
internal static class ClusterWork
{
    public static async ValueTask<long> WaitThenAddOneAsync(int x, CancellationToken cancellationToken)
    {
        await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        return x + 1L;
    }
}
