using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Scenarios;
using Concurrency.Strategies.Scenarios.Server;
using Concurrency.Strategies.Scenarios.Work;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Benchmarks.Scenarios;

/// <summary>
/// The scenario runner: the explainer's three scenarios (download, resize, scrape), CPU scaling (primes by trial
/// division, long and short items), per-item overhead (trivial items) and memory per pending item, each on every
/// strategy at a few concurrency levels and on Python's approaches (bench/python/scenarios.py) in the same run,
/// interleaved round by round. Every case is checked (one outcome per item, no failure, the results' checksum); the
/// report gives medians and ratios to baselines of the same run, and ScottPlot plots.
/// </summary>
internal static class ScenarioBench
{
    public const string Command = "dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- scenarios";

    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(5);
    private static readonly int Cores = Environment.ProcessorCount;

    /// <summary>Scrape's levels: at 16 in flight 10,000 pages take 31 s a case, so the low end of the curve is the download scenario's.</summary>
    private static readonly int[] ScrapeThreads = [64, 256];
    private static readonly int[] ScrapeAsyncLevels = [100, 1_000];

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var withPython = !args.Contains("--no-python");
        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = quick ? BenchSizes.Quick : BenchSizes.Full;
        if (Option(args, "--rounds") is { } rounds)
        {
            sizes = sizes with { Rounds = int.Parse(rounds, CultureInfo.InvariantCulture) };
        }

        // The full run writes docs/; a quick or partial run writes beside the build output, so docs keep full figures.
        var output = !quick && only is null && Directory.Exists("docs") ? "docs" : Path.Combine("artifacts", "scenarios");
        var total = Stopwatch.StartNew();
        var machine = string.Create(CultureInfo.InvariantCulture,
            $"{Cores} cores, .NET {Environment.Version}, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}");
        Console.WriteLine($"Scenario runner ({sizes.Name}, {sizes.Rounds} round(s), medians): {machine}.");
        Console.WriteLine($"Command: {Command}{(quick ? " --quick" : string.Empty)}");

        PythonRunner? python = null;
        var pythonNote = "Python not run: --no-python.";
        if (withPython)
        {
            (python, var why) = await PythonRunner.FindAsync();
            pythonNote = python is null ? $"Python not run: {why}." : $"Python: {python.Versions} ({python.Interpreter} {Path.GetRelativePath(Environment.CurrentDirectory, python.Script)}).";
        }

        Console.WriteLine(pythonNote);

        await using var server = await LocalServer.StartAsync(new LocalServerOptions { Latency = Latency, FaultRate = 0 });
        server.PrepareImages();
        server.PreparePages(sizes.Pages);
        Environment.SetEnvironmentVariable(GuideWork.ServerVariable, server.BaseAddress.ToString());
        var work = Directory.CreateTempSubdirectory("concurrency-strategies-bench-").FullName;
        var pools = new Dictionary<int, ProcessStrategy>();
        var workloads = new List<Workload>();
        try
        {
            var context = new BenchContext(server, sizes, python, work, pools);
            var all = new (string Name, Func<BenchContext, Task<Workload>> Build)[]
            {
                ("download", DownloadAsync), ("scrape", ScrapeAsync), ("resize", ResizeAsync),
                ("latency", LatencyAsync), ("primes-long", PrimesLongAsync), ("primes-short", PrimesShortAsync), ("trivial", TrivialAsync), ("process", ProcessLatencyAsync), ("pending", PendingAsync),
            };
            foreach (var (name, build) in all.Where(w => only is null || only.Contains(w.Name)))
            {
                var workload = await build(context);
                await RunWorkloadAsync(workload, sizes.Rounds);
                workloads.Add(workload);
            }
        }
        finally
        {
            foreach (var pool in pools.Values)
            {
                await pool.DisposeAsync();
            }

            TryDelete(work);
        }

        var leftovers = LeftoverWorkers();
        var report = new ScenarioReport(workloads, sizes, machine, pythonNote, quick ? Command + " --quick" : Command, total.Elapsed);
        report.Write(output);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {output}/benchmarks.md and {output}/images ({total.Elapsed.TotalSeconds:F0} s)."));
        Console.WriteLine(leftovers.Count == 0 ? "Leftover worker processes: none." : $"Leftover worker processes: {string.Join(", ", leftovers)}.");
        var failed = workloads.SelectMany(w => w.Cases).Where(c => c.Failed).ToList();
        foreach (var bad in failed)
        {
            Console.WriteLine($"FAILED {bad.Workload} {bad.Label}: {string.Join("; ", bad.Problems.Take(3))}");
        }

        return failed.Count == 0 && leftovers.Count == 0 ? 0 : 1;
    }

    /// <summary>Runs every case of a workload once per round (warm-ups first), in an order that turns each round; shared with the cluster bench.</summary>
    internal static async Task RunWorkloadAsync(Workload workload, int rounds)
    {
        Console.WriteLine();
        Console.WriteLine($"== {workload.Name}: {workload.Title}");

        foreach (var benchCase in workload.Cases.Where(c => c.WarmUp is not null))
        {
            using var limit = new CancellationTokenSource(CaseTimeout);
            await benchCase.WarmUp!(limit.Token);
        }

        // Round after round, every case once; the order turns by one each round so no case always runs first or last.
        for (var round = 0; round < rounds; round++)
        {
            var order = workload.Cases.Skip(round % workload.Cases.Count).Concat(workload.Cases.Take(round % workload.Cases.Count));
            foreach (var benchCase in order)
            {
                if (benchCase.Problems.Count > 0)
                {
                    continue;
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using var limit = new CancellationTokenSource(CaseTimeout);
                Sample sample;
                try
                {
                    sample = await benchCase.Run(limit.Token);
                }
#pragma warning disable CA1031 // A case that throws is reported as failed; the other cases still run.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    sample = new Sample(double.NaN, $"{ex.GetType().Name}: {ex.Message}");
                }

                if (sample.Problem is { } problem)
                {
                    benchCase.Problems.Add(problem);
                    Console.WriteLine($"  round {round + 1}: {benchCase.Label}: FAILED: {problem}");
                    continue;
                }

                benchCase.Seconds.Add(sample.Seconds);
                if (sample.Value is { } value)
                {
                    benchCase.Values.Add(value);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1}: {benchCase.Label,-58} {sample.Seconds,9:F3} s{(sample.Value is { } v ? $"  {v:F0} B/item" : string.Empty)}"));
            }
        }
    }

    // ---------------------------------------------------------------- workloads

    private static Task<Workload> DownloadAsync(BenchContext context)
    {
        var count = context.Sizes.Images;
        var expected = Enumerable.Range(0, count).Sum(i => (long)context.Server.Image(i).Length);
        var cases = new List<BenchCase>();
        var folders = 0;
        string Folder() => Directory.CreateDirectory(Path.Combine(context.WorkDirectory, $"download-{++folders}")).FullName;
        DownloadJob[] Jobs() { var folder = Folder(); return Enumerable.Range(0, count).Select(i => new DownloadJob(i, folder)).ToArray(); }

        cases.Add(DotNet("download", Family.Serial, "serial loop", 1, count, ct => SerialAsync(Jobs(), ScenarioWork.Download, x => x, expected, ct), "blocking client", baseline: true));
        foreach (var c in new[] { 4, 16, 100 })
        {
            cases.Add(DotNet("download", Family.Threads, "ThreadStrategy", c, count, ct => TimeAsync(Fresh(StrategyKind.Thread, c), Jobs(), ScenarioWork.Download, x => x, expected, null, ct), "blocking client"));
            cases.Add(DotNet("download", Family.Async, "AsyncStrategy", c, count, ct => TimeAsync(Fresh(StrategyKind.Async, c), Jobs(), ScenarioWork.DownloadAsync, x => x, expected, ct), "async client"));
        }

        foreach (var workers in new[] { 2, 8 })
        {
            cases.Add(DotNet("download", Family.Processes, "ProcessStrategy", workers, count,
                async ct => await TimeAsync(await context.PoolAsync(workers, ct), Jobs(), ScenarioWork.Download, x => x, expected, new RunOptions { BatchSize = 1 }, ct, dispose: false),
                "blocking client, batch 1", batch: 1, warmUp: WarmPool(context, workers, Jobs, ScenarioWork.Download)));
        }

        if (context.Python is not null)
        {
            var check = (JsonElement c) => c.GetProperty("files").GetInt32() == count && c.GetProperty("bytes").GetInt64() == expected
                ? null : $"Python saved {c.GetProperty("files")} files, {c.GetProperty("bytes")} bytes; expected {count} files, {expected} bytes";
            string[] Args(string approach, int c, int? chunk = null) =>
                ["--workload", "download", "--approach", approach, "--concurrency", Text(c), "--count", Text(count), "--base-url", context.Server.BaseAddress.ToString(), "--target-dir", Folder(), .. Chunk(chunk)];
            cases.Add(Python(context, "download", Family.Serial, "serial loop", 1, count, () => Args("serial", 1), check, "requests", baseline: true));
            foreach (var c in new[] { 4, 16, 100 })
            {
                cases.Add(Python(context, "download", Family.Threads, "ThreadPoolExecutor", c, count, () => Args("threads", c), check, "requests"));
                cases.Add(Python(context, "download", Family.Async, "asyncio + aiohttp", c, count, () => Args("asyncio", c), check, "semaphore"));
            }

            foreach (var workers in new[] { 2, 8 })
            {
                cases.Add(Python(context, "download", Family.Processes, "ProcessPoolExecutor", workers, count, () => Args("processes", workers, 1), check, "requests, chunksize 1", batch: 1));
            }
        }

        return Task.FromResult(new Workload(
            "download", string.Create(CultureInfo.InvariantCulture, $"Download {count} images (1920x1080 JPEG, {Latency.TotalMilliseconds:0} ms latency) and save them"), Measure.Throughput,
            cases, c => Math.Ceiling(c.Items / (double)c.Concurrency) * Latency.TotalSeconds,
            "A worker process runs one item at a time, so processes get the same number of requests in flight as workers."));
    }

    private static Task<Workload> ScrapeAsync(BenchContext context)
    {
        var count = context.Sizes.Pages;
        var serial = context.Sizes.SerialPages;
        var (links, words, titles) = Truth(count);
        var (serialLinks, serialWords, serialTitles) = Truth(serial);
        var ids = Enumerable.Range(0, count).ToArray();
        var serialIds = ids[..serial];
        var cases = new List<BenchCase>
        {
            DotNet("scrape", Family.Serial, "serial loop", 1, serial, ct => SerialAsync(serialIds, ScenarioWork.Scrape, Checksum, serialLinks + serialWords + serialTitles, ct), $"blocking client, first {serial} pages", baseline: true),
        };
        foreach (var c in ScrapeThreads)
        {
            cases.Add(DotNet("scrape", Family.Threads, "ThreadStrategy", c, count, ct => TimeAsync(Fresh(StrategyKind.Thread, c), ids, ScenarioWork.Scrape, Checksum, links + words + titles, null, ct), "blocking client"));
        }

        foreach (var c in ScrapeAsyncLevels)
        {
            cases.Add(DotNet("scrape", Family.Async, "AsyncStrategy", c, count, ct => TimeAsync(Fresh(StrategyKind.Async, c), ids, ScenarioWork.ScrapeAsync, Checksum, links + words + titles, ct), "async client"));
        }

        if (context.Python is not null)
        {
            Func<JsonElement, string?> Check(int n, long l, long w, long t) => c =>
                c.GetProperty("pages").GetInt32() == n && c.GetProperty("links").GetInt64() == l && c.GetProperty("words").GetInt64() == w && c.GetProperty("title_chars").GetInt64() == t
                    ? null : $"Python scraped {c}; expected {n} pages, {l} links, {w} words, {t} title characters";
            string[] Args(string approach, int c, int n) =>
                ["--workload", "scrape", "--approach", approach, "--concurrency", Text(c), "--count", Text(n), "--base-url", context.Server.BaseAddress.ToString()];
            cases.Add(Python(context, "scrape", Family.Serial, "serial loop", 1, serial, () => Args("serial", 1, serial), Check(serial, serialLinks, serialWords, serialTitles), $"requests, first {serial} pages", baseline: true));
            foreach (var c in ScrapeThreads)
            {
                cases.Add(Python(context, "scrape", Family.Threads, "ThreadPoolExecutor", c, count, () => Args("threads", c, count), Check(count, links, words, titles), "requests"));
            }

            foreach (var c in ScrapeAsyncLevels)
            {
                cases.Add(Python(context, "scrape", Family.Async, "asyncio + aiohttp", c, count, () => Args("asyncio", c, count), Check(count, links, words, titles), "semaphore"));
            }
        }

        return Task.FromResult(new Workload(
            "scrape", string.Create(CultureInfo.InvariantCulture, $"Scrape {count:N0} pages of 5-20 KB ({Latency.TotalMilliseconds:0} ms latency): title, links, word count"), Measure.Throughput,
            cases, c => Math.Ceiling(c.Items / (double)c.Concurrency) * Latency.TotalSeconds,
            string.Create(CultureInfo.InvariantCulture,
                $"The serial loops fetch the first {serial} pages only ({count:N0} would take {count * Latency.TotalSeconds:N0} s each); their throughput is what they would keep up. Processes are left out here: a worker runs one request at a time, so {count:N0} pages need hundreds of workers (the download scenario shows processes on I/O).")));

        static long Checksum(PageSummary page) => page.Links + page.Words + page.Title.Length;

        static (long Links, long Words, long Titles) Truth(int n)
        {
            long l = 0, w = 0, t = 0;
            for (var i = 0; i < n; i++)
            {
                var truth = SiteContent.Page(i).Truth;
                l += truth.Links;
                w += truth.Words;
                t += truth.Title.Length;
            }

            return (l, w, t);
        }
    }

    private static async Task<Workload> ResizeAsync(BenchContext context)
    {
        var count = context.Sizes.Resizes;
        var sources = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "resize-sources")).FullName;
        var distinct = new Dictionary<int, long>();
        for (var i = 0; i < count; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(sources, $"{i}.jpg"), context.Server.Image(i));
            var drawing = i % context.Server.Options.DistinctImages;
            if (!distinct.ContainsKey(drawing))
            {
                distinct[drawing] = ImageResizer.Resize(context.Server.Image(drawing).ToArray(), ScenarioSizes.TargetWidth, ScenarioSizes.TargetHeight).Length;
            }
        }

        // The same code gives the same bytes: the sum of the results' lengths must be the reference's.
        var expected = Enumerable.Range(0, count).Sum(i => distinct[i % context.Server.Options.DistinctImages]);
        var targets = 0;
        string Target() => Directory.CreateDirectory(Path.Combine(context.WorkDirectory, $"resize-{++targets}")).FullName;
        ResizeJob[] Jobs()
        {
            var target = Target();
            return Enumerable.Range(0, count).Select(i => new ResizeJob(Path.Combine(sources, $"{i}.jpg"), Path.Combine(target, $"{i}.jpg"), ScenarioSizes.TargetWidth, ScenarioSizes.TargetHeight)).ToArray();
        }

        var cases = new List<BenchCase> { DotNet("resize", Family.Serial, "serial loop", 1, count, ct => SerialAsync(Jobs(), ScenarioWork.Resize, x => x, expected, ct), "SkiaSharp", baseline: true) };
        foreach (var c in new[] { 1, 2, 4 })
        {
            cases.Add(DotNet("resize", Family.Threads, "ThreadStrategy", c, count, ct => TimeAsync(Fresh(StrategyKind.Thread, c), Jobs(), ScenarioWork.Resize, x => x, expected, null, ct), "SkiaSharp"));
        }

        foreach (var workers in new[] { 1, 2 })
        {
            cases.Add(DotNet("resize", Family.Processes, "ProcessStrategy", workers, count,
                async ct => await TimeAsync(await context.PoolAsync(workers, ct), Jobs(), ScenarioWork.Resize, x => x, expected, new RunOptions { BatchSize = 1 }, ct, dispose: false), "SkiaSharp, batch 1", batch: 1,
                warmUp: WarmPool(context, workers, Jobs, ScenarioWork.Resize)));
        }

        if (context.Python is not null)
        {
            string? target = null;
            string[] Args(string approach, int c, int? chunk = null) =>
                ["--workload", "resize", "--approach", approach, "--concurrency", Text(c), "--count", Text(count), "--source-dir", sources, "--target-dir", target = Target(), .. Chunk(chunk)];
            string? Check(JsonElement c)
            {
                if (c.GetProperty("files").GetInt32() != count)
                {
                    return $"Python wrote {c.GetProperty("files")} files of {count}";
                }

                // Pillow's encoder is not Skia's, so not the same bytes: every file must decode to 800x600.
                var wrong = Enumerable.Range(0, count).FirstOrDefault(i => ImageResizer.Verify(File.ReadAllBytes(Path.Combine(target!, $"{i}.jpg"))) is not (ScenarioSizes.TargetWidth, ScenarioSizes.TargetHeight), -1);
                return wrong < 0 ? null : $"Python's {wrong}.jpg does not decode to 800x600";
            }

            cases.Add(Python(context, "resize", Family.Serial, "serial loop", 1, count, () => Args("serial", 1), Check, "Pillow", baseline: true));
            foreach (var c in new[] { 1, 2, 4 })
            {
                cases.Add(Python(context, "resize", Family.Threads, "ThreadPoolExecutor", c, count, () => Args("threads", c), Check, "Pillow"));
            }

            foreach (var workers in new[] { 1, 2 })
            {
                cases.Add(Python(context, "resize", Family.Processes, "ProcessPoolExecutor", workers, count, () => Args("processes", workers, 1), Check, "Pillow, chunksize 1", batch: 1));
            }
        }

        return new Workload(
            "resize", $"Resize {count} JPEGs from 1920x1080 to 800x600 (decode at a reduced scale, resize, encode at quality 85)", Measure.Throughput, cases, null,
            "Pillow releases the GIL while it decodes, resizes and encodes, so Python's threads scale on this workload too; the worker processes were started before the clock.");
    }

    private static Task<Workload> LatencyAsync(BenchContext context)
    {
        // Items that only wait (50 ms): the throughput ideal is one latency per wave of `concurrency` items.
        var waves = context.Sizes.LatencyWaves;
        var cases = new List<BenchCase>();
        foreach (var c in new[] { 100, 1_000 })
        {
            var count = waves * c;
            var items = Enumerable.Range(0, count).ToArray();
            var expected = ((long)count * (count + 1)) / 2;
            cases.Add(DotNet("latency", Family.BuiltIn, "Parallel.ForEachAsync", c, count, ct => ParallelForEachAsync(items, c, expected, ct), baseline: c == 100));
            cases.Add(DotNet("latency", Family.BuiltIn, "SemaphoreSlim + Task.WhenAll", c, count, ct => SemaphoreWhenAll(items, c, expected, ct)));
            cases.Add(DotNet("latency", Family.Async, "AsyncStrategy", c, count, ct => TimeAsync(Fresh(StrategyKind.Async, c), items, WaitAsync, x => x, expected, ct)));
            if (context.Python is not null)
            {
                var n = count;
                cases.Add(Python(context, "latency", Family.Async, "asyncio", c, count,
                    () => ["--workload", "sleep", "--approach", "asyncio", "--concurrency", Text(c), "--count", Text(n), "--latency-ms", Text((int)Latency.TotalMilliseconds)],
                    j => j.GetProperty("sum").GetInt64() == expected ? null : $"Python's sum is {j.GetProperty("sum")}, expected {expected}", "semaphore, gather"));
            }
        }

        return Task.FromResult(new Workload(
            "latency", string.Create(CultureInfo.InvariantCulture, $"Latency-bound items: each awaits {Latency.TotalMilliseconds:0} ms, {waves} waves at 100 and at 1,000 in flight"), Measure.Throughput,
            cases, c => Math.Ceiling(c.Items / (double)c.Concurrency) * Latency.TotalSeconds,
            "No I/O and no CPU: what is left is each approach's own cost. The ideal is one 50 ms wait per wave of items."));

        static async ValueTask<long> WaitAsync(int x, CancellationToken cancellationToken)
        {
            await Task.Delay(Latency, cancellationToken).ConfigureAwait(false);
            return x + 1L;
        }

        static async Task<Sample> ParallelForEachAsync(int[] items, int concurrency, long expected, CancellationToken cancellationToken)
        {
            long sum = 0;
            var clock = Stopwatch.StartNew();
            await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (x, ct) =>
                Interlocked.Add(ref sum, await WaitAsync(x, ct)));
            var seconds = clock.Elapsed.TotalSeconds;
            return new Sample(seconds, sum == expected ? null : $"sum {sum}, expected {expected}");
        }

        static async Task<Sample> SemaphoreWhenAll(int[] items, int concurrency, long expected, CancellationToken cancellationToken)
        {
            using var slots = new SemaphoreSlim(concurrency);
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(items.Select(async x =>
            {
                await slots.WaitAsync(cancellationToken);
                try
                {
                    return await WaitAsync(x, cancellationToken);
                }
                finally
                {
                    slots.Release();
                }
            }));
            var seconds = clock.Elapsed.TotalSeconds;
            var sum = results.Sum();
            return new Sample(seconds, sum == expected ? null : $"sum {sum}, expected {expected}");
        }
    }

    private static async Task<Workload> PrimesLongAsync(BenchContext context)
    {
        var count = context.Sizes.LongPrimes;
        var limit = GuideMatrix.PrimeLimitFor(TimeSpan.FromMilliseconds(100));
        var items = Enumerable.Repeat(limit, count).ToArray();
        var expected = (long)ProcessHarness.CountPrimes(limit) * count;
        var cases = new List<BenchCase> { DotNet("primes-long", Family.Serial, "serial loop", 1, count, ct => SerialAsync(items, ScenarioWork.Primes, x => x, expected, ct), baseline: true) };
        foreach (var c in new[] { 1, 2, 4 })
        {
            cases.Add(DotNet("primes-long", Family.Threads, "ThreadStrategy", c, count, ct => TimeAsync(Fresh(StrategyKind.Thread, c), items, ScenarioWork.Primes, x => x, expected, null, ct)));
        }

        foreach (var workers in new[] { 1, 2, 4 })
        {
            cases.Add(DotNet("primes-long", Family.Processes, "ProcessStrategy", workers, count,
                async ct => await TimeAsync(await context.PoolAsync(workers, ct), items, ScenarioWork.Primes, x => x, expected, new RunOptions { BatchSize = 1 }, ct, dispose: false), "batch 1", batch: 1,
                warmUp: WarmPool(context, workers, () => items, ScenarioWork.Primes)));
        }

        cases.Add(DotNet("primes-long", Family.Async, "AsyncStrategy", 2, count, ct => TimeAsync(Fresh(StrategyKind.Async, 2), items, ScenarioWork.Primes, x => x, expected, null, ct), "CPU work on the pool"));

        var note = string.Create(CultureInfo.InvariantCulture, $".NET items count the primes below {limit:N0} (~100 ms here)");
        if (context.Python is { } python)
        {
            // Python's items are calibrated to the same ~100 ms: the same limit would take it about 50 times longer.
            var pythonLimit = await PythonPrimeLimitAsync(python, TimeSpan.FromMilliseconds(100));
            var pythonExpected = (long)ProcessHarness.CountPrimes(pythonLimit) * count;
            Func<JsonElement, string?> check = c => c.GetProperty("primes").GetInt64() == pythonExpected ? null : $"Python counted {c.GetProperty("primes")} primes, expected {pythonExpected}";
            string[] Args(string approach, int c, int? chunk = null) =>
                ["--workload", "primes", "--approach", approach, "--concurrency", Text(c), "--count", Text(count), "--limit", Text(pythonLimit), .. Chunk(chunk)];
            cases.Add(Python(context, "primes-long", Family.Serial, "serial loop", 1, count, () => Args("serial", 1), check, baseline: true));
            foreach (var c in new[] { 1, 2, 4 })
            {
                cases.Add(Python(context, "primes-long", Family.Threads, "ThreadPoolExecutor", c, count, () => Args("threads", c), check));
            }

            foreach (var workers in new[] { 1, 2, 4 })
            {
                cases.Add(Python(context, "primes-long", Family.Processes, "ProcessPoolExecutor", workers, count, () => Args("processes", workers, 1), check, "chunksize 1", batch: 1));
            }

            note += string.Create(CultureInfo.InvariantCulture, $"; Python's count the primes below {pythonLimit:N0}, calibrated to the same ~100 ms in Python. Compare speedups over each runtime's own serial loop, not seconds");
        }

        return new Workload("primes-long", $"CPU scaling: {count} items of ~100 ms (primes by trial division)", Measure.Throughput, cases, null, note + ".");
    }

    private static async Task<Workload> PrimesShortAsync(BenchContext context)
    {
        var count = context.Sizes.ShortPrimes;
        var limit = GuideMatrix.PrimeLimitFor(TimeSpan.FromMicroseconds(20));
        var items = Enumerable.Repeat(limit, count).ToArray();
        var expected = (long)ProcessHarness.CountPrimes(limit) * count;
        var cases = new List<BenchCase>
        {
            DotNet("primes-short", Family.Serial, "serial loop", 1, count, ct => SerialAsync(items, ScenarioWork.Primes, x => x, expected, ct), baseline: true),
            DotNet("primes-short", Family.Threads, "ThreadStrategy", 2, count, ct => TimeAsync(Fresh(StrategyKind.Thread, 2), items, ScenarioWork.Primes, x => x, expected, null, ct)),
            DotNet("primes-short", Family.Async, "AsyncStrategy", 2, count, ct => TimeAsync(Fresh(StrategyKind.Async, 2), items, ScenarioWork.Primes, x => x, expected, null, ct), "CPU work on the pool"),
            DotNet("primes-short", Family.Processes, "ProcessStrategy", 2, count,
                async ct => await TimeAsync(await context.PoolAsync(2, ct), items, ScenarioWork.Primes, x => x, expected, null, ct, dispose: false), "automatic batches", batch: 100,
                warmUp: WarmPool(context, 2, () => items, ScenarioWork.Primes)),
            DotNet("primes-short", Family.Processes, "ProcessStrategy", 2, count,
                async ct => await TimeAsync(await context.PoolAsync(2, ct), items, ScenarioWork.Primes, x => x, expected, new RunOptions { BatchSize = 1 }, ct, dispose: false), "batch 1", batch: 1),
        };

        var note = string.Create(CultureInfo.InvariantCulture, $".NET items count the primes below {limit:N0} (~20 µs here)");
        if (context.Python is { } python)
        {
            var pythonLimit = await PythonPrimeLimitAsync(python, TimeSpan.FromMicroseconds(20));
            var pythonExpected = (long)ProcessHarness.CountPrimes(pythonLimit) * count;
            Func<JsonElement, string?> check = c => c.GetProperty("primes").GetInt64() == pythonExpected ? null : $"Python counted {c.GetProperty("primes")} primes, expected {pythonExpected}";
            string[] Args(string approach, int c, int? chunk = null) =>
                ["--workload", "primes", "--approach", approach, "--concurrency", Text(c), "--count", Text(count), "--limit", Text(pythonLimit), .. Chunk(chunk)];
            cases.Add(Python(context, "primes-short", Family.Serial, "serial loop", 1, count, () => Args("serial", 1), check, baseline: true));
            cases.Add(Python(context, "primes-short", Family.Threads, "ThreadPoolExecutor", 2, count, () => Args("threads", 2), check));
            cases.Add(Python(context, "primes-short", Family.Processes, "ProcessPoolExecutor", 2, count, () => Args("processes", 2, 100), check, "chunksize 100", batch: 100));
            cases.Add(Python(context, "primes-short", Family.Processes, "ProcessPoolExecutor", 2, count, () => Args("processes", 2, 1), check, "chunksize 1", batch: 1));
            note += string.Create(CultureInfo.InvariantCulture, $"; Python's count the primes below {pythonLimit:N0}, calibrated to the same ~20 µs in Python");
        }

        return new Workload("primes-short", $"CPU, short items: {count:N0} items of ~20 µs (hand-off cost against work)", Measure.Throughput, cases, null,
            note + ". The .NET automatic batches pair with chunksize 100 (the explainer's setting), batch 1 with chunksize 1.");
    }

    private static Task<Workload> TrivialAsync(BenchContext context)
    {
        var count = context.Sizes.Trivial;
        var items = Enumerable.Range(0, count).ToArray();
        var expected = Sum(count);
        var few = context.Sizes.ChunkOne;
        var fewItems = items[..few];
        var cases = new List<BenchCase>
        {
            DotNet("trivial", Family.BuiltIn, "Channel + 2 dedicated threads", 2, count, ct => Task.FromResult(ChannelAndThreads(items, expected)), baseline: true),
            DotNet("trivial", Family.BuiltIn, "Parallel.ForEach", 2, count, ct => Task.FromResult(ParallelForEach(items, expected)), "array, range partitions"),
            DotNet("trivial", Family.Threads, "ThreadStrategy", 2, count, ct => TimeAsync(Fresh(StrategyKind.Thread, 2), items, ScenarioWork.AddOne, x => x, expected, null, ct), "an outcome per item"),
            DotNet("trivial", Family.Async, "AsyncStrategy", 2, count, ct => TimeAsync(Fresh(StrategyKind.Async, 2), items, ScenarioWork.AddOne, x => x, expected, null, ct), "an outcome per item"),
            DotNet("trivial", Family.Processes, "ProcessStrategy", 2, count,
                async ct => await TimeAsync(await context.PoolAsync(2, ct), items, ScenarioWork.AddOne, x => x, expected, null, ct, dispose: false), "automatic batches", batch: 100,
                warmUp: WarmPool(context, 2, () => items, ScenarioWork.AddOne)),
            DotNet("trivial", Family.Processes, "ProcessStrategy", 2, few,
                async ct => await TimeAsync(await context.PoolAsync(2, ct), fewItems, ScenarioWork.AddOne, x => x, Sum(few), new RunOptions { BatchSize = 1 }, ct, dispose: false), "batch 1", batch: 1),
        };

        if (context.Python is not null)
        {
            var pythonCount = context.Sizes.PythonTrivial;
            Func<JsonElement, string?> Check(int n) => c => c.GetProperty("sum").GetInt64() == Sum(n) ? null : $"Python's sum is {c.GetProperty("sum")}, expected {Sum(n)}";
            string[] Args(string approach, int c, int n, int? chunk = null) =>
                ["--workload", "trivial", "--approach", approach, "--concurrency", Text(c), "--count", Text(n), .. Chunk(chunk)];
            cases.Add(Python(context, "trivial", Family.Threads, "ThreadPoolExecutor", 2, pythonCount, () => Args("threads", 2, pythonCount), Check(pythonCount), "map"));
            cases.Add(Python(context, "trivial", Family.Async, "asyncio", 2, pythonCount, () => Args("asyncio", 2, pythonCount), Check(pythonCount), "semaphore, gather"));
            // Batched processes at the .NET run's own item count: batching (automatic or by chunk) amortizes with length.
            cases.Add(Python(context, "trivial", Family.Processes, "ProcessPoolExecutor", 2, count, () => Args("processes", 2, count, 100), Check(count), "chunksize 100", batch: 100));
            cases.Add(Python(context, "trivial", Family.Processes, "ProcessPoolExecutor", 2, few, () => Args("processes", 2, few, 1), Check(few), "chunksize 1", batch: 1));
        }

        return Task.FromResult(new Workload("trivial", string.Create(CultureInfo.InvariantCulture, $"Per-item overhead: {count:N0} trivial items (x => x + 1), concurrency 2"), Measure.PerItem, cases, null,
            string.Create(CultureInfo.InvariantCulture, $"Batch-1 and chunksize-1 runs take {few:N0} items, Python's threads and asyncio {context.Sizes.PythonTrivial:N0} (their cost per item does not depend on the count); the batched process runs take the same {count:N0} on both sides.")));

        static long Sum(int n) => (long)n * (n + 1) / 2;
    }

    private static Task<Workload> ProcessLatencyAsync(BenchContext context)
    {
        var calls = context.Sizes.RoundTrips;
        var starts = context.Sizes.ColdStarts;
        var expected = ((long)calls * (calls + 1)) / 2;
        var cases = new List<BenchCase>
        {
            DotNet("process", Family.Processes, "ProcessStrategy", 1, calls, async ct =>
            {
                var pool = await context.PoolAsync(1, ct);
                long sum = 0;
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < calls; i++)
                {
                    sum += await pool.InvokeAsync(i, ScenarioWork.AddOne, cancellationToken: ct);
                }

                var seconds = clock.Elapsed.TotalSeconds;
                return new Sample(seconds, sum == expected ? null : $"sum {sum}, expected {expected}");
            }, "warm round trip: InvokeAsync, one after another", baseline: true, batch: 1, warmUp: WarmPool(context, 1, () => Enumerable.Range(0, 20).ToArray(), ScenarioWork.AddOne)),
            DotNet("process", Family.Processes, "ProcessStrategy", 1, starts, async ct =>
            {
                var seconds = 0.0;
                for (var i = 0; i < starts; i++)
                {
                    var clock = Stopwatch.StartNew();
                    var cold = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 1 });
                    try
                    {
                        await cold.InvokeAsync(i, ScenarioWork.AddOne, cancellationToken: ct);
                        seconds += clock.Elapsed.TotalSeconds;
                    }
                    finally
                    {
                        await cold.DisposeAsync();
                    }
                }

                return new Sample(seconds);
            }, "cold start: a new strategy to its first result", batch: -1),
        };

        if (context.Python is not null)
        {
            cases.Add(Python(context, "process", Family.Processes, "ProcessPoolExecutor", 1, calls, () => ["--workload", "roundtrip", "--approach", "processes", "--count", Text(calls)],
                j => j.GetProperty("sum").GetInt64() == expected ? null : $"Python's sum is {j.GetProperty("sum")}", "warm round trip: submit().result(), one after another", batch: 1));
            cases.Add(Python(context, "process", Family.Processes, "ProcessPoolExecutor", 1, starts, () => ["--workload", "coldstart", "--approach", "processes", "--count", Text(starts)],
                _ => null, "cold start: a new pool (fork) to its first result", batch: -1));
        }

        return Task.FromResult(new Workload("process", "Worker processes: warm round trip and cold start, one worker", Measure.PerItem, cases, null,
            "The round trip is one item at a time on a warm worker (the mean per call over 200 calls); the cold start includes starting the process (.NET: the dotnet host, the runtime and the work's assembly; Python: fork of the interpreter)."));
    }

    private static Task<Workload> PendingAsync(BenchContext context)
    {
        var count = context.Sizes.Pending;
        var cases = new List<BenchCase>
        {
            DotNet("pending", Family.BuiltIn, "the work alone", count, count, ct => PendingAsync(count, PendingHow.WorkAlone), "an array of its pending ValueTasks", baseline: true),
            DotNet("pending", Family.BuiltIn, "Task.WhenAll", count, count, ct => PendingAsync(count, PendingHow.WhenAll)),
            DotNet("pending", Family.BuiltIn, "Parallel.ForEachAsync", count, count, ct => PendingAsync(count, PendingHow.ParallelForEachAsync)),
            DotNet("pending", Family.Async, "AsyncStrategy", count, count, ct => PendingAsync(count, PendingHow.Strategy), "MaxConcurrency = items"),
        };

        if (context.Python is not null)
        {
            cases.Add(Python(context, "pending", Family.Async, "asyncio tasks", count, count,
                () => ["--workload", "pending", "--approach", "asyncio", "--concurrency", Text(count), "--count", Text(count)], _ => null, "tracemalloc", value: c => c.GetProperty("bytes_per_pending_traced").GetDouble()));
        }

        return Task.FromResult(new Workload("pending", string.Create(CultureInfo.InvariantCulture, $"Memory per pending item: {count:N0} items awaiting I/O at once"), Measure.Memory, cases, null,
            "Bytes held on the managed heap per item while every item is pending (a full GC before and during), work included; the bookkeeping column is that minus the work alone. Python's figure is tracemalloc's, per task."));
    }

    // ---------------------------------------------------------------- cases

    internal static BenchCase DotNet(
        string workload, Family family, string approach, int concurrency, int items, Func<CancellationToken, Task<Sample>> run, string setting = "", bool baseline = false, int batch = 0,
        Func<CancellationToken, Task>? warmUp = null) =>
        new() { Workload = workload, Runtime = Runtime.DotNet, Family = family, Approach = approach, Concurrency = concurrency, Items = items, Run = run, Setting = setting, IsBaseline = baseline, Batch = batch, WarmUp = warmUp };

    /// <summary>
    /// Starts a pool's workers and runs a few items of the work through each, untimed, so the timed rounds measure warm
    /// workers (an app's pool is warm after its first items; the in-process cases are warmed by the first round's JIT).
    /// </summary>
    private static Func<CancellationToken, Task> WarmPool<TIn, TOut>(BenchContext context, int workers, Func<IReadOnlyList<TIn>> items, Func<TIn, TOut> work) => async ct =>
    {
        var pool = await context.PoolAsync(workers, ct);
        var all = items();
        var prefix = all.Take(Math.Min(all.Count, 4 * workers)).ToArray();
        await foreach (var outcome in pool.RunAsync(prefix, work, new RunOptions { BatchSize = 1 }, ct))
        {
            if (outcome.Error is { } error)
            {
                throw new InvalidOperationException($"The warm-up of {workers} worker(s) failed: {error.Message}", error);
            }
        }
    };

    private static BenchCase Python(
        BenchContext context, string workload, Family family, string approach, int concurrency, int items, Func<string[]> arguments, Func<JsonElement, string?> check,
        string setting = "", bool baseline = false, int batch = 0, Func<JsonElement, double>? value = null) =>
        new()
        {
            Workload = workload, Runtime = Runtime.Python, Family = family, Approach = approach, Concurrency = concurrency, Items = items, Setting = setting, IsBaseline = baseline, Batch = batch,
            Run = async ct =>
            {
                var json = await context.Python!.RunAsync(arguments(), CaseTimeout, ct);
                var ok = json.GetProperty("ok").GetInt32();
                var errors = json.GetProperty("errors").GetInt32();
                if (ok != items || errors != 0)
                {
                    return new Sample(double.NaN, $"Python: {ok} ok, {errors} errors of {items} (first: {json.GetProperty("first_error")})");
                }

                return new Sample(json.GetProperty("seconds").GetDouble(), check(json.GetProperty("check")), value?.Invoke(json.GetProperty("check")));
            },
        };

    private static IExecutionStrategy Fresh(StrategyKind kind, int concurrency) => Selection.DecisionGuide.CreateStrategy(kind, concurrency);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string[] Chunk(int? chunk) => chunk is { } c ? ["--chunksize", Text(c)] : [];

    /// <summary>Times a run on a strategy: one outcome per index, none failed, the results' checksum as expected.</summary>
    internal static Task<Sample> TimeAsync<TIn, TOut>(
        IExecutionStrategy strategy, IReadOnlyList<TIn> items, Func<TIn, TOut> work, Func<TOut, long> checksum, long expected, RunOptions? options, CancellationToken cancellationToken, bool dispose = true) =>
        TimeAsync(strategy, items.Count, checksum, expected, strategy.RunAsync(items, work, options, cancellationToken), dispose);

    internal static Task<Sample> TimeAsync<TIn, TOut>(
        IExecutionStrategy strategy, IReadOnlyList<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> work, Func<TOut, long> checksum, long expected, CancellationToken cancellationToken) =>
        TimeAsync(strategy, items.Count, checksum, expected, strategy.RunAsync(items, work, null, cancellationToken), dispose: true);

    internal static async Task<Sample> TimeAsync<TIn, TOut>(IExecutionStrategy strategy, int count, Func<TOut, long> checksum, long expected, IAsyncEnumerable<ItemOutcome<TIn, TOut>> run, bool dispose)
    {
        try
        {
            var seen = new bool[count];
            long sum = 0;
            string? problem = null;
            var clock = Stopwatch.StartNew();
            await foreach (var outcome in run)
            {
                if (outcome.Index < 0 || outcome.Index >= count || seen[outcome.Index])
                {
                    problem ??= $"item {outcome.Index} is not in the input or has a second outcome";
                    continue;
                }

                seen[outcome.Index] = true;
                if (outcome.Error is { } error)
                {
                    problem ??= $"item {outcome.Index} failed: {error.GetType().Name}: {error.Message}";
                }
                else
                {
                    sum += checksum(outcome.Result!);
                }
            }

            var seconds = clock.Elapsed.TotalSeconds;
            var lost = seen.Count(s => !s);
            problem ??= lost > 0 ? $"{lost} item(s) have no outcome" : sum != expected ? $"the results' checksum is {sum}, expected {expected}" : null;
            return new Sample(seconds, problem);
        }
        finally
        {
            if (dispose)
            {
                await strategy.DisposeAsync();
            }
        }
    }

    private static async Task<Sample> SerialAsync<TIn, TOut>(IReadOnlyList<TIn> items, Func<TIn, TOut> work, Func<TOut, long> checksum, long expected, CancellationToken cancellationToken)
    {
        await Task.Yield();
        long sum = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sum += checksum(work(items[i]));
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return new Sample(seconds, sum == expected ? null : $"the results' checksum is {sum}, expected {expected}");
    }

    private static Sample ParallelForEach(int[] items, long expected)
    {
        long sum = 0;
        var clock = Stopwatch.StartNew();
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = 2 }, () => 0L, (x, _, local) => local + ScenarioWork.AddOne(x), local => Interlocked.Add(ref sum, local));
        var seconds = clock.Elapsed.TotalSeconds;
        return new Sample(seconds, sum == expected ? null : $"sum {sum}, expected {expected}");
    }

    private static Sample ChannelAndThreads(int[] items, long expected)
    {
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(1_024) { SingleWriter = true });
        long sum = 0;
        var clock = Stopwatch.StartNew();
        var readers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
        {
            long local = 0;
            var reader = channel.Reader;
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                while (reader.TryRead(out var x))
                {
                    local += ScenarioWork.AddOne(x);
                }
            }

            Interlocked.Add(ref sum, local);
        })).ToList();
        readers.ForEach(t => t.Start());
        foreach (var x in items)
        {
            if (!channel.Writer.TryWrite(x))
            {
                channel.Writer.WriteAsync(x).AsTask().GetAwaiter().GetResult();
            }
        }

        channel.Writer.Complete();
        readers.ForEach(t => t.Join());
        var seconds = clock.Elapsed.TotalSeconds;
        return new Sample(seconds, sum == expected ? null : $"sum {sum}, expected {expected}");
    }

    private enum PendingHow
    {
        WorkAlone,
        WhenAll,
        ParallelForEachAsync,
        Strategy,
    }

    /// <summary>
    /// Starts <paramref name="count"/> items that each wait for one shared signal; when the last has started, measures
    /// the managed heap (full GC) against the heap before, then releases them and checks every result.
    /// </summary>
    private static async Task<Sample> PendingAsync(int count, PendingHow how)
    {
        var source = Enumerable.Range(0, count).ToArray();
        var gate = new PendingGate(count);
        var expected = (long)count * (count - 1) / 2;

        // The previous case's items are garbage by now, but pool threads may still hold the last of them for a moment:
        // let them move on, then collect, so the heap before holds only what outlives every case.
        await Task.Delay(200);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        Task<long> run;
        ValueTask<long>[]? alone = null;
        switch (how)
        {
            case PendingHow.WorkAlone:
                alone = new ValueTask<long>[count];
                for (var i = 0; i < count; i++)
                {
#pragma warning disable CA2012 // Each one is held while pending, to be measured, and awaited exactly once by SumAsync.
                    alone[i] = gate.WaitAsync(source[i]);
#pragma warning restore CA2012
                }

                run = SumAsync(alone);
                break;
            case PendingHow.WhenAll:
                run = Task.Run(async () => (await Task.WhenAll(source.Select(x => gate.WaitAsync(x).AsTask()))).Sum());
                break;
            case PendingHow.ParallelForEachAsync:
                run = Task.Run(async () =>
                {
                    long sum = 0;
                    await Parallel.ForEachAsync(source, new ParallelOptions { MaxDegreeOfParallelism = count }, async (x, _) => Interlocked.Add(ref sum, await gate.WaitAsync(x)));
                    return sum;
                });
                break;
            default:
                run = Task.Run(async () =>
                {
                    await using var strategy = new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = count });
                    long sum = 0;
                    var outcomes = 0;
                    await foreach (var outcome in strategy.RunAsync(source, (x, _) => gate.WaitAsync(x)))
                    {
                        sum += outcome.Result;
                        outcomes++;
                    }

                    return outcomes == count ? sum : -1;
                });
                break;
        }

        await gate.AllPending.WaitAsync(TimeSpan.FromMinutes(2));
        var during = GC.GetTotalMemory(forceFullCollection: true);
        gate.Release();
        var result = await run.WaitAsync(TimeSpan.FromMinutes(2));
        var seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(alone);
        return new Sample(seconds, result == expected ? null : $"sum {result}, expected {expected}", (during - before) / (double)count);

        static async Task<long> SumAsync(ValueTask<long>[] pending)
        {
            long sum = 0;
            foreach (var task in pending)
            {
                sum += await task;
            }

            return sum;
        }
    }

    private static async Task<int> PythonPrimeLimitAsync(PythonRunner python, TimeSpan target)
    {
        // Trial division up to n costs about n^1.5 in all; two corrections from a first guess land within a few percent.
        var limit = 2_000;
        for (var step = 0; step < 3; step++)
        {
            var calls = Math.Max(3, (int)(0.3 / Math.Max(target.TotalSeconds, 1e-6)));
            calls = Math.Min(calls, 20_000);
            var json = await python.RunAsync(["--workload", "primes", "--approach", "serial", "--concurrency", "1", "--count", Text(calls), "--limit", Text(limit)], CaseTimeout, CancellationToken.None);
            var perItem = json.GetProperty("seconds").GetDouble() / calls;
            limit = (int)Math.Max(8, limit * Math.Pow(target.TotalSeconds / perItem, 1 / 1.4));
        }

        return limit;
    }

    private static List<int> LeftoverWorkers()
    {
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var status = File.ReadAllLines(Path.Combine(directory, "status"));
                var parent = status.FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()?.Trim();
                if (parent == self && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains("WorkerHost", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while it was read.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Items that wait for one shared release; knows when all of them are waiting.</summary>
    private sealed class PendingGate(int expected)
    {
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int waiting;

        public Task AllPending => all.Task;

        public void Release() => release.SetResult();

        public async ValueTask<long> WaitAsync(int x)
        {
            if (Interlocked.Increment(ref waiting) == expected)
            {
                all.SetResult();
            }

            await release.Task;
            return x;
        }
    }
}

/// <summary>What every workload shares: the server, the sizes, Python, a temp directory, the warm process pools.</summary>
internal sealed class BenchContext(LocalServer server, BenchSizes sizes, PythonRunner? python, string workDirectory, Dictionary<int, ProcessStrategy> pools)
{
    public LocalServer Server => server;

    public BenchSizes Sizes => sizes;

    public PythonRunner? Python => python;

    public string WorkDirectory => workDirectory;

    /// <summary>A pool of <paramref name="workers"/> worker processes, started before any clock (as an app would at startup) and kept for the run.</summary>
    public async Task<ProcessStrategy> PoolAsync(int workers, CancellationToken cancellationToken)
    {
        if (!pools.TryGetValue(workers, out var pool))
        {
            pool = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = workers, IdleTimeout = Timeout.InfiniteTimeSpan, ShutdownGracePeriod = TimeSpan.FromSeconds(2) });
            pools[workers] = pool;
        }

        await pool.WarmUpAsync(cancellationToken);
        return pool;
    }
}

/// <summary>How big the runs are.</summary>
internal sealed record BenchSizes(
    string Name, int Rounds, int Images, int Pages, int SerialPages, int Resizes, int LongPrimes, int ShortPrimes, int Trivial, int PythonTrivial, int ChunkOne, int Pending, int LatencyWaves, int RoundTrips = 200, int ColdStarts = 3)
{
    /// <summary>The explainer's sizes (100 images, 200 resizes, 10,000 pages), three rounds.</summary>
    public static BenchSizes Full { get; } = new("full", 3, 100, 10_000, 100, 200, 16, 20_000, 1_000_000, 50_000, 5_000, 100_000, 20);

    /// <summary>A smoke run of every case in about two minutes, one round.</summary>
    public static BenchSizes Quick { get; } = new("quick", 1, 40, 1_000, 40, 40, 8, 4_000, 50_000, 10_000, 1_000, 20_000, 5);
}
