using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Scenarios.Server;
using Concurrency.Strategies.Scenarios.Work;
using Concurrency.Strategies.Selection;

namespace Concurrency.Strategies.Benchmarks;

/// <summary>
/// The decision guide's evidence: workloads (blocking and async I/O at 10 / 500 / 10,000 items against the local server
/// with 50 ms latency, CPU items tiny / medium / long, two items, a crash-prone item, download + resize) each run on
/// every strategy at a few concurrency levels, on a fresh strategy per run (worker start included). Per workload:
/// the best configuration measured, the guide's static pick and its calibrated pick, each with its regret
/// (pick time / best time − 1). Writes the table into docs/decision-guide.md and every run into docs/guide-matrix.md.
/// </summary>
internal static class GuideMatrix
{
    public const string Command = "dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- guide";

    private const string Begin = "<!-- guide-matrix:begin -->";
    private const string End = "<!-- guide-matrix:end -->";
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CalibrationBudget = TimeSpan.FromSeconds(3);
    private static readonly int Cores = Environment.ProcessorCount;

    public static async Task<int> RunAsync(string? docsDirectory)
    {
        var total = Stopwatch.StartNew();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Guide matrix: {Cores} cores, .NET {Environment.Version}, {RuntimeInformation.OSDescription}; server latency {Latency.TotalMilliseconds} ms, no faults."));
        Console.WriteLine($"Command: {Command}");

        await using var server = await LocalServer.StartAsync(new LocalServerOptions { Latency = Latency, FaultRate = 0 });
        server.PrepareImages();
        server.PreparePages(10_000);
        Environment.SetEnvironmentVariable(GuideWork.ServerVariable, server.BaseAddress.ToString());

        var tiny = PrimeLimitFor(TimeSpan.FromMicroseconds(1));
        var medium = PrimeLimitFor(TimeSpan.FromMilliseconds(1));
        var longItem = PrimeLimitFor(TimeSpan.FromMilliseconds(250));
        var shortItem = PrimeLimitFor(TimeSpan.FromMilliseconds(20));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU items (trial division, calibrated here): ~1 µs = primes below {tiny}, ~1 ms = {medium}, ~20 ms = {shortItem}, ~250 ms = {longItem}."));

        var workloads = new List<Workload>();
        foreach (var count in new[] { 10, 500, 10_000 })
        {
            var ids = Enumerable.Range(0, count).ToArray();
            workloads.Add(Workload.Sync(
                $"I/O, blocking API, {count:N0} items", new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = count, BlockingApi = true },
                ids, GuideWork.ScrapeBlocking, IoGrid(count), sample: Math.Min(count, 1_000)));
            workloads.Add(Workload.Async(
                $"I/O, async API, {count:N0} items", new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = count },
                ids, GuideWork.ScrapeAsync, IoGrid(count), sample: Math.Min(count, 1_000)));
        }

        workloads.Add(Workload.Sync(
            "CPU, tiny items (~1 µs), 200,000", new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 200_000, TypicalItemDuration = TimeSpan.FromMicroseconds(1) },
            Enumerable.Repeat(tiny, 200_000).ToArray(), GuideWork.Primes, CpuGrid(200_000), sample: 100_000));
        workloads.Add(Workload.Sync(
            "CPU, medium items (~1 ms), 2,000", new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 2_000, TypicalItemDuration = TimeSpan.FromMilliseconds(1) },
            Enumerable.Repeat(medium, 2_000).ToArray(), GuideWork.Primes, CpuGrid(2_000), sample: 400));
        workloads.Add(Workload.Sync(
            "CPU, long items (~250 ms), 8", new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 8, TypicalItemDuration = TimeSpan.FromMilliseconds(250) },
            Enumerable.Repeat(longItem, 8).ToArray(), GuideWork.Primes, CpuGrid(8), sample: 8));
        workloads.Add(Workload.Sync(
            "CPU, 2 items (~20 ms)", new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 2, TypicalItemDuration = TimeSpan.FromMilliseconds(20) },
            [shortItem, shortItem], GuideWork.Primes, CpuGrid(2), sample: 2));
        workloads.Add(Workload.Sync(
            "Crash-prone (1 in 100 items kills its process), ~1 ms, 400", new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = 400, RequiresIsolation = true },
            Enumerable.Range(0, 400).Select(i => new CrashItem(i, medium)).ToArray(), GuideWork.CrashProne,
            [Config.Of(StrategyKind.Process, 1), Config.Of(StrategyKind.Process, Cores), Config.Of(StrategyKind.Process, 2 * Cores), Config.Of(StrategyKind.Process, 4 * Cores)],
            sample: 200, inProcess: false));
        workloads.Add(MixedWorkload(40));

        var results = new List<WorkloadResult>();
        foreach (var workload in workloads)
        {
            results.Add(await MeasureWorkloadAsync(workload));
        }

        var summary = Summary(results);
        Console.WriteLine();
        Console.WriteLine(summary);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total: {total.Elapsed.TotalSeconds:0} s."));
        if (docsDirectory is not null)
        {
            WriteDocs(docsDirectory, summary, results);
        }

        return 0;
    }

    private static List<Config> IoGrid(int count)
    {
        var grid = new List<Config> { Config.Inline() };
        foreach (var n in new[] { Cores, 16, 64, 256, 1_024 })
        {
            grid.Add(Config.Of(StrategyKind.Thread, Math.Min(n, count)));
        }

        foreach (var n in new[] { 16, 100, 1_000, 4_000 })
        {
            grid.Add(Config.Of(StrategyKind.Async, Math.Min(n, count)));
        }

        grid.Add(Config.Of(StrategyKind.Process, Cores));
        grid.Add(Config.Of(StrategyKind.Process, 4 * Cores));
        return grid.Distinct().ToList();
    }

    private static List<Config> CpuGrid(int count) =>
        new[]
        {
            Config.Inline(), Config.Of(StrategyKind.Thread, 1), Config.Of(StrategyKind.Thread, Cores), Config.Of(StrategyKind.Thread, 4 * Cores),
            Config.Of(StrategyKind.Async, Cores), Config.Of(StrategyKind.Async, 16), Config.Of(StrategyKind.Process, Cores), Config.Of(StrategyKind.Process, 2 * Cores),
        }.Select(c => c.Kind == "Inline" ? c : c with { Concurrency = Math.Min(c.Concurrency, count) }).Distinct().ToList();

    private static Workload MixedWorkload(int count)
    {
        var ids = Enumerable.Range(0, count).ToArray();
        var profile = new WorkloadProfile { Kind = WorkloadKind.Mixed, TaskCount = count, TypicalItemDuration = TimeSpan.FromMilliseconds(15) };
        var grid = new List<Config>
        {
            Config.Of(StrategyKind.Thread, Cores), Config.Of(StrategyKind.Thread, 16), Config.Of(StrategyKind.Thread, count),
            Config.Of(StrategyKind.Async, 16), Config.Of(StrategyKind.Async, count), Config.Of(StrategyKind.Process, Cores), Config.Of(StrategyKind.Process, 4 * Cores),
            Config.Staged(count, StrategyKind.Thread, Cores), Config.Staged(count, StrategyKind.Thread, 4 * Cores), Config.Staged(count, StrategyKind.Process, Cores),
            Config.Staged(4, StrategyKind.Thread, Cores), Config.Staged(8, StrategyKind.Thread, Cores), Config.Staged(16, StrategyKind.Thread, Cores),
            Config.Staged(16, StrategyKind.Thread, 4 * Cores), Config.Staged(16, StrategyKind.Process, 2 * Cores),
        };
        return new Workload(
            $"Mixed: download + resize 1920x1080 → 800x600, {count} images",
            profile,
            count,
            true,
            grid,
            (config, ct) => config.Kind == "Pipeline" ? RunPipelineAsync(ids, config, ct) : Workload.RunOn(config, ids, GuideWork.DownloadAndResizeBlocking, GuideWork.DownloadAndResizeAsync, ct),
            async (budget, ct) =>
            {
                // The I/O stage keeps the static guide's answer; the CPU stage is calibrated on downloaded samples.
                var stages = DecisionGuide.Recommend(profile).Stages;
                var samples = new List<ResizeRequest>();
                foreach (var id in ids.Take(2 * Cores))
                {
                    samples.Add(await GuideWork.DownloadAsync(id, ct));
                }

                var cpu = await DecisionGuide.CalibrateAsync(samples, GuideWork.Resize, DecisionGuide.CandidatesFor(profile), budget, ct);
                return (Config.Staged(stages[0].MaxConcurrency, cpu.Kind, cpu.MaxConcurrency), cpu.Reasons);
            });
    }

    private static async Task<RunCount> RunPipelineAsync(int[] ids, Config config, CancellationToken cancellationToken)
    {
        await using var io = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = config.Concurrency });
        await using var cpu = Workload.Create(config.SecondKind!.Value, config.SecondConcurrency);
        int done = 0, failed = 0;
        await foreach (var outcome in Pipeline.RunAsync(
            ids.ToAsyncEnumerable(),
            new PipelineStage<int, ResizeRequest>(io, GuideWork.DownloadAsync),
            new PipelineStage<ResizeRequest, int>(cpu, static (r, _) => ValueTask.FromResult(GuideWork.Resize(r))),
            cancellationToken))
        {
            done++;
            failed += outcome.Succeeded ? 0 : 1;
        }

        return new RunCount(done, failed);
    }

    private static async Task<WorkloadResult> MeasureWorkloadAsync(Workload workload)
    {
        Console.WriteLine();
        Console.WriteLine($"== {workload.Name}");
        var staticPick = DecisionGuide.Recommend(workload.Profile);
        var staticConfig = workload.Profile.Kind == WorkloadKind.Mixed
            ? Config.Staged(staticPick.Stages[0].MaxConcurrency, staticPick.Stages[1].Kind, staticPick.Stages[1].MaxConcurrency)
            : Config.Of(staticPick.Kind, staticPick.MaxConcurrency);

        // Warm-up, untimed: one run (at most 1.5 s) on each kind of configuration, so that no configuration pays for the
        // JIT of this workload's code paths (the first one measured otherwise looked up to 40% slower).
        foreach (var kind in workload.Grid.Append(staticConfig).GroupBy(c => (c.Kind, c.SecondKind)).Select(g => g.First()))
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(1.5));
            try
            {
                await workload.Run(kind, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }

        var samples = new Dictionary<Config, List<TimeSpan>>();
        var capped = new Dictionary<Config, TimeSpan>();
        var counts = new Dictionary<Config, RunCount>();
        var best = TimeSpan.MaxValue;

        // Screening round: the static pick (uncapped), the calibrated pick (uncapped), then the grid, each stopped at
        // 1.5x the best so far (shown as "more than": it cannot be the best).
        await Sample(staticConfig, TimeSpan.FromMinutes(2));
        var calibration = Stopwatch.StartNew();
        Config calibrated;
        using (var budget = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            (calibrated, var reasons) = await workload.CalibrateAsync(CalibrationBudget, budget.Token);
            foreach (var reason in reasons)
            {
                Console.WriteLine($"      {reason}");
            }
        }

        var calibrationTime = calibration.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   calibrated in {calibrationTime.TotalSeconds:0.0} s → {calibrated.Label}"));
        await Sample(calibrated, TimeSpan.FromMinutes(2));
        foreach (var config in workload.Grid.Where(c => !samples.ContainsKey(c) && !capped.ContainsKey(c)))
        {
            await Sample(config, Cap(best));
        }

        // Then rounds over the contenders (the picks, and whatever came within 1.5x of the best), in a new random
        // order each round, so that the machine's load drifting over time does not favour whichever ran first.
        var contenders = samples.Keys.Where(c => c == staticConfig || c == calibrated || samples[c][0] <= best * 1.5).ToList();
        var rounds = best < TimeSpan.FromMilliseconds(300) ? 7 : best < TimeSpan.FromSeconds(1) ? 5 : best < TimeSpan.FromSeconds(4) ? 3 : 2;
        var random = new Random(workload.Name.Length);
        for (var round = 1; round < rounds; round++)
        {
            foreach (var config in contenders.Where(c => !capped.ContainsKey(c)).OrderBy(_ => random.Next()).ToList())
            {
                await Sample(config, config == staticConfig || config == calibrated ? TimeSpan.FromMinutes(2) : Cap(best) * 2);
            }
        }

        var runs = new Dictionary<Config, Measured>();
        foreach (var (config, times) in samples)
        {
            if (!capped.ContainsKey(config))
            {
                runs[config] = new Measured(Median(times), counts[config], false, times.Count, times.Min(), times.Max());
            }
        }

        foreach (var (config, cap) in capped)
        {
            runs[config] = new Measured(cap, counts.GetValueOrDefault(config, new RunCount(0, 0)), true, 0, cap, cap);
        }

        foreach (var (config, run) in runs.OrderBy(r => r.Value.Time))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"   {config.Label,-34} {(run.Capped ? ">" : " ")}{run.Time.TotalSeconds,8:0.000} s{(run.Capped ? string.Empty : $"  (median of {run.Samples}, {run.Fastest.TotalSeconds:0.000}-{run.Slowest.TotalSeconds:0.000})")}{(run.Count.Failed > 0 ? $"  {run.Count.Failed} failed" : string.Empty)}"));
        }

        // A configuration whose slowest run took more than 3x its median is not one anybody should pick (blocking work
        // on the async strategy: fast only when the pool happens to hold idle threads); it is shown, not crowned.
        var bestConfig = runs.Where(r => !r.Value.Capped && r.Value.Count.Outcomes == workload.Items && !r.Value.Unstable).MinBy(r => r.Value.Time).Key;
        return new WorkloadResult(workload, runs, bestConfig, staticConfig, calibrated, calibrationTime, staticPick);

        async Task Sample(Config config, TimeSpan cap)
        {
            if (config.Kind == "Inline" && !workload.InProcess)
            {
                return;
            }

            using var stop = new CancellationTokenSource(cap);
            var clock = Stopwatch.StartNew();
            try
            {
                var count = await workload.Run(config, stop.Token);
                var elapsed = clock.Elapsed;
                counts[config] = count;
                if (!samples.TryGetValue(config, out var list))
                {
                    samples[config] = list = [];
                }

                list.Add(elapsed);
                if (count.Outcomes == workload.Items)
                {
                    best = Min(best, Median(list));
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                capped[config] = cap;
                samples.Remove(config);
            }
        }

        static TimeSpan Cap(TimeSpan best) => TimeSpan.FromTicks(Math.Clamp(best.Ticks * 3 / 2, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromSeconds(20).Ticks));
    }

    private static TimeSpan Median(List<TimeSpan> times)
    {
        var sorted = times.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    internal static int PrimeLimitFor(TimeSpan target)
    {
        var limit = 64;
        for (var i = 0; i < 3; i++)
        {
            ProcessHarness.CountPrimes(1_000);
        }

        for (var step = 0; step < 12; step++)
        {
            var took = TimeLimit(limit);
            if (Math.Abs(took - target.TotalMilliseconds) < target.TotalMilliseconds * 0.05)
            {
                break;
            }

            limit = (int)Math.Max(8, limit * Math.Pow(target.TotalMilliseconds / Math.Max(took, 1e-6), 1 / 1.4));
        }

        return limit;

        static double TimeLimit(int limit)
        {
            // Enough calls to time a microsecond; the fastest of three passes (other processes only make a pass slower).
            var calls = Math.Max(1, (int)(200_000 / Math.Max(limit, 1)));
            var fastest = double.MaxValue;
            for (var pass = 0; pass < 3; pass++)
            {
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < calls; i++)
                {
                    GC.KeepAlive(ProcessHarness.CountPrimes(limit));
                }

                fastest = Math.Min(fastest, clock.Elapsed.TotalMilliseconds / calls);
            }

            return fastest;
        }
    }

    private static string Summary(List<WorkloadResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Cores} cores, .NET {Environment.Version}, {RuntimeInformation.OSDescription}, with `{Command}`.");
        text.AppendLine("Regret = the pick's time / the best measured time − 1 (0% when the pick is the best). A configuration whose slowest run took more than 3x its median is unstable and never counted as the best. Each run is on a fresh strategy, worker start included, after an untimed warm-up of each kind of configuration. A screening round runs every configuration once (one slower than 1.5x the best so far is stopped there, shown as >); then the picks and every configuration within 1.5x of the best run again, in a new random order each round (7 rounds when the best is under 0.3 s, 5 under 1 s, 3 under 4 s, else 2). Times are medians.");
        text.AppendLine();
        text.AppendLine("| Workload | Best measured | Static pick | Regret | Calibrated pick | Regret | Calibration took |");
        text.AppendLine("|---|---|---|---:|---|---:|---:|");
        foreach (var r in results)
        {
            var best = r.Runs[r.Best];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Workload.Name} | {r.Best.Label}: {Seconds(best.Time)} | {r.Static.Label}: {Seconds(r.Runs[r.Static].Time)} | {Regret(r, r.Static)} | {r.Calibrated.Label}: {Seconds(r.Runs[r.Calibrated].Time)} | {Regret(r, r.Calibrated)} | {r.CalibrationTime.TotalSeconds:0.0} s |");
        }

        var staticOk = results.Count(r => RegretOf(r, r.Static) <= 0.10);
        var calibratedOk = results.Count(r => RegretOf(r, r.Calibrated) <= 0.10);
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Regret ≤ 10%: static guide on {staticOk} of {results.Count} workloads ({100.0 * staticOk / results.Count:0}%), calibrated guide on {calibratedOk} of {results.Count} ({100.0 * calibratedOk / results.Count:0}%). Goal: ≥ 90%.");
        return text.ToString();
    }

    private static double RegretOf(WorkloadResult r, Config pick)
    {
        var run = r.Runs[pick];
        return run.Capped || run.Count.Outcomes != r.Workload.Items ? double.PositiveInfinity : (run.Time.TotalSeconds / r.Runs[r.Best].Time.TotalSeconds) - 1;
    }

    private static string Regret(WorkloadResult r, Config pick)
    {
        var regret = RegretOf(r, pick);
        return double.IsPositiveInfinity(regret) ? "failed" : regret.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", string.Empty, StringComparison.Ordinal);
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000 s", CultureInfo.InvariantCulture);

    private static void WriteDocs(string docs, string summary, List<WorkloadResult> results)
    {
        var guide = Path.Combine(docs, "decision-guide.md");
        var text = File.ReadAllText(guide);
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new InvalidOperationException($"{guide} has no {Begin} ... {End} markers to write the table between.");
        }

        File.WriteAllText(guide, text[..(begin + Begin.Length)] + Environment.NewLine + summary + Environment.NewLine + text[end..]);

        var detail = new StringBuilder();
        detail.AppendLine("# Guide matrix: every run");
        detail.AppendLine();
        detail.AppendLine("Written by the benchmark; do not edit. The summary and what it means are in [decision-guide.md](decision-guide.md).");
        detail.AppendLine();
        detail.AppendLine(summary.Split(Environment.NewLine)[0]);
        foreach (var r in results)
        {
            detail.AppendLine();
            detail.AppendLine(CultureInfo.InvariantCulture, $"## {r.Workload.Name}");
            detail.AppendLine();
            detail.AppendLine("| Configuration | Median | Runs (fastest-slowest) | vs best | Note |");
            detail.AppendLine("|---|---:|---|---:|---|");
            foreach (var (config, run) in r.Runs.OrderBy(p => p.Value.Time))
            {
                var notes = new List<string>();
                if (config == r.Best)
                {
                    notes.Add("best");
                }

                if (config == r.Static)
                {
                    notes.Add("static pick");
                }

                if (config == r.Calibrated)
                {
                    notes.Add("calibrated pick");
                }

                if (run.Unstable)
                {
                    notes.Add($"unstable (slowest run {run.Slowest.TotalSeconds / run.Time.TotalSeconds:0.0}x the median): not counted as the best");
                }

                if (run.Capped)
                {
                    notes.Add("stopped at the cap (1.5x the best so far, at least 1 s; 3x in later rounds)");
                }
                else if (run.Count.Outcomes != r.Workload.Items)
                {
                    notes.Add($"{r.Workload.Items - run.Count.Outcomes} items without an outcome");
                }

                if (run.Count.Failed > 0)
                {
                    notes.Add($"{run.Count.Failed} items failed (crashed their worker)");
                }

                detail.AppendLine(CultureInfo.InvariantCulture,
                    $"| {config.Label} | {(run.Capped ? "> " : string.Empty)}{Seconds(run.Time)} | {(run.Capped ? "stopped" : $"{run.Samples} ({run.Fastest.TotalSeconds:0.000}-{run.Slowest.TotalSeconds:0.000} s)")} | {run.Time.TotalSeconds / r.Runs[r.Best].Time.TotalSeconds:0.00}x | {string.Join(", ", notes)} |");
            }

            if (!r.Workload.InProcess)
            {
                detail.AppendLine();
                detail.AppendLine("Not run in-process (inline, threads, async): the first crashing item would end the benchmark itself.");
            }
        }

        File.WriteAllText(Path.Combine(docs, "guide-matrix.md"), detail.ToString());
        Console.WriteLine($"Wrote the table into {guide} and every run into {Path.Combine(docs, "guide-matrix.md")}.");
    }

    /// <summary>A way to run a workload: inline, one strategy at a concurrency, or a download → resize pipeline.</summary>
    private sealed record Config(string Kind, int Concurrency, StrategyKind? SecondKind = null, int SecondConcurrency = 0)
    {
        public string Label => Kind switch
        {
            "Inline" => "inline loop",
            "Pipeline" => $"Pipeline Async x{Concurrency} → {SecondKind} x{SecondConcurrency}",
            _ => $"{Kind} x{Concurrency}",
        };

        public static Config Inline() => new("Inline", 1);

        public static Config Of(StrategyKind kind, int concurrency) => new(kind.ToString(), concurrency);

        public static Config Staged(int io, StrategyKind cpu, int cpuConcurrency) => new("Pipeline", io, cpu, cpuConcurrency);
    }

    private sealed record Measured(TimeSpan Time, RunCount Count, bool Capped, int Samples, TimeSpan Fastest, TimeSpan Slowest)
    {
        public bool Unstable => !Capped && Samples >= 3 && Slowest > Time * 3;
    }

    /// <summary>How many outcomes a run delivered, and how many of them are errors.</summary>
    private sealed record RunCount(int Outcomes, int Failed);

    private sealed record WorkloadResult(
        Workload Workload, Dictionary<Config, Measured> Runs, Config Best, Config Static, Config Calibrated, TimeSpan CalibrationTime, StrategyRecommendation StaticPick);

    private sealed record Workload(
        string Name, WorkloadProfile Profile, int Items, bool InProcess, IReadOnlyList<Config> Grid,
        Func<Config, CancellationToken, Task<RunCount>> Run, Func<TimeSpan, CancellationToken, Task<(Config Pick, IReadOnlyList<string> Reasons)>> CalibrateAsync)
    {
        public static Workload Sync<TIn, TOut>(
            string name, WorkloadProfile profile, TIn[] items, Func<TIn, TOut> work, IReadOnlyList<Config> grid, int sample, bool inProcess = true) =>
            new(name, profile, items.Length, inProcess, grid,
                (config, ct) => RunOn(config, items, work, null, ct),
                async (budget, ct) =>
                {
                    var pick = await DecisionGuide.CalibrateAsync(
                        items.Take(sample).ToArray(), work, DecisionGuide.CandidatesFor(profile), budget, ct);
                    return (Config.Of(pick.Kind, pick.MaxConcurrency), pick.Reasons);
                });

        public static Workload Async<TIn, TOut>(
            string name, WorkloadProfile profile, TIn[] items, Func<TIn, CancellationToken, ValueTask<TOut>> work, IReadOnlyList<Config> grid, int sample) =>
            new(name, profile, items.Length, true, grid,
                (config, ct) => RunOn(config, items, null, work, ct),
                async (budget, ct) =>
                {
                    var pick = await DecisionGuide.CalibrateAsync(items.Take(sample).ToArray(), work, DecisionGuide.CandidatesFor(profile), budget, ct);
                    return (Config.Of(pick.Kind, pick.MaxConcurrency), pick.Reasons);
                });

        // The same strategies, built the same way, as calibration's pilots.
        public static IExecutionStrategy Create(StrategyKind kind, int concurrency) => DecisionGuide.CreateStrategy(kind, concurrency);

        /// <summary>Runs the sync form where there is one (a blocking API), else the async form; returns the items that succeeded.</summary>
        public static async Task<RunCount> RunOn<TIn, TOut>(
            Config config, TIn[] items, Func<TIn, TOut>? sync, Func<TIn, CancellationToken, ValueTask<TOut>>? async, CancellationToken cancellationToken)
        {
            if (config.Kind == "Inline")
            {
                var failed = 0;
                foreach (var item in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        GC.KeepAlive(sync is not null ? sync(item) : await async!(item, cancellationToken));
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // A failed item is an outcome, as in the strategies.
                        failed++;
                    }
                }

                return new RunCount(items.Length, failed);
            }

            await using var strategy = Create(Enum.Parse<StrategyKind>(config.Kind), config.Concurrency);
            var options = new RunOptions { MaxConcurrency = config.Concurrency };
            int done = 0, errors = 0;
            var outcomes = sync is not null ? strategy.RunAsync(items, sync, options, cancellationToken) : strategy.RunAsync(items, async!, options, cancellationToken);
            await foreach (var outcome in outcomes)
            {
                done++;
                errors += outcome.Succeeded ? 0 : 1;
            }

            return new RunCount(done, errors);
        }
    }
}
