using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Benchmarks;

/// <summary>
/// What the <see cref="ProcessStrategy"/> costs on a 2-worker pool, next to in-run references (the
/// <see cref="ThreadStrategy"/>, serial work, a bare <c>dotnet exec</c>) and next to Python's
/// <c>ProcessPoolExecutor</c> measured by bench/python/process_pool_overhead.py in the same run: per-item cost of
/// trivial items, cold start to the first result, a warm round trip, and the speedup of ~100 ms CPU-bound items.
/// Cases of a section are interleaved round by round; each figure is the median of the rounds after a dropped warm-up.
/// </summary>
internal static class ProcessHarness
{
    public const string Command = "dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- process";

    private const int Workers = 2;
    private const int TrivialItems = 100_000;
    private const int BatchOneItems = 2_000;
    private const int RoundTrips = 200;
    private const int CpuItems = 40;
    private const double CpuItemTargetMs = 100;
    private static readonly TimeSpan PythonTimeout = TimeSpan.FromMinutes(2);

    // The work crosses to the worker by assembly and metadata token: static methods of this assembly only.
    private static readonly Func<int, int> AddOneWork = AddOne;
    private static readonly Func<int, int> CountPrimesWork = CountPrimes;

    private static readonly RunOptions BatchOne = new() { BatchSize = 1 };
    private static readonly RunOptions BatchHundred = new() { BatchSize = 100 };

    private static readonly HashSet<int> WorkerPids = [];

    public static async Task<int> RunAsync(int rounds, int cpuRounds)
    {
        var total = Stopwatch.StartNew();
        var commandLine = string.Create(CultureInfo.InvariantCulture, $"{Command} {rounds} {cpuRounds}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ProcessStrategy vs Python ProcessPoolExecutor: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}, WorkerCount = {Workers}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Median of {rounds} rounds ({cpuRounds} for CPU-bound), one warm-up round dropped; cases of a section interleaved round by round."));
        Console.WriteLine($"Command: {commandLine}");
        Console.WriteLine($"Load average at start (1, 5, 15 min): {LoadAverage()}");

        var (limit, itemMs) = CalibratePrimeLimit();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Calibrated: CountPrimes({limit:N0}) takes {itemMs:F1} ms serially here (fastest of 3; target ~{CpuItemTargetMs} ms)."));

        var rows = new List<Row>();
        double warmUpMs;
        await using (var threads = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = Workers }))
        await using (var process = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = Workers }))
        {
            var warmUp = Stopwatch.StartNew();
            await process.WarmUpAsync();
            warmUpMs = warmUp.Elapsed.TotalMilliseconds;
            NoteWorkers(process);

            var source = Enumerable.Range(0, TrivialItems).ToArray();
            var small = Enumerable.Range(0, BatchOneItems).ToArray();
            var warm = await MeasureAsync(rounds, process, new (string Name, Func<Task<double>> Run)[]
            {
                ("ThreadStrategy auto chunks", () => PerItemAsync(threads.RunAsync(source, AddOneWork), TrivialItems)),
                ("ProcessStrategy auto batches", () => PerItemAsync(process.RunAsync(source, AddOneWork), TrivialItems)),
                ("ProcessStrategy BatchSize 100", () => PerItemAsync(process.RunAsync(source, AddOneWork, BatchHundred), TrivialItems)),
                ("ProcessStrategy BatchSize 1 (2,000 items)", () => PerItemAsync(process.RunAsync(small, AddOneWork, BatchOne), BatchOneItems)),
                ("ThreadStrategy InvokeAsync", () => RoundTripAsync(threads)),
                ("ProcessStrategy InvokeAsync (warm)", () => RoundTripAsync(process)),
            });

            var cpuItems = Enumerable.Repeat(limit, CpuItems).ToArray();
            var expectedPrimes = (long)CountPrimes(limit) * CpuItems;
            var cpu = await MeasureAsync(cpuRounds, process, new (string Name, Func<Task<double>> Run)[]
            {
                ("Serial, in-process", () => Task.FromResult(Serial(cpuItems, expectedPrimes))),
                ("ProcessStrategy BatchSize 1", () => CpuAsync(process.RunAsync(cpuItems, CountPrimesWork, BatchOne), expectedPrimes)),
                ("ThreadStrategy MaxConcurrency 2", () => CpuAsync(threads.RunAsync(cpuItems, CountPrimesWork), expectedPrimes)),
                ("Parallel.ForEach, 2 threads", () => Task.FromResult(ParallelForEach(cpuItems, expectedPrimes))),
            });

            rows.Add(new Row("1", "ThreadStrategy auto chunks (baseline)", warm[0], "µs/item", warm[0], null, null));
            rows.Add(new Row("1", "ProcessStrategy auto batches", warm[1], "µs/item", warm[0], "chunksize=100", "per_item_us_chunksize_100"));
            rows.Add(new Row("1", "ProcessStrategy BatchSize 100", warm[2], "µs/item", warm[0], "chunksize=100", "per_item_us_chunksize_100"));
            rows.Add(new Row("1", "ProcessStrategy BatchSize 1 (2,000 items)", warm[3], "µs/item", warm[0], "chunksize=1", "per_item_us_chunksize_1"));
            rows.Add(new Row("3", "ThreadStrategy InvokeAsync (baseline)", warm[4], "µs", warm[4], null, null));
            rows.Add(new Row("3", "ProcessStrategy InvokeAsync, warm", warm[5], "µs", warm[4], "submit().result()", "round_trip_us"));
            rows.Add(new Row("4", "Serial, in-process (baseline)", cpu[0], "s", cpu[0], "serial", "cpu_serial_s"));
            rows.Add(new Row("4", "ProcessStrategy BatchSize 1", cpu[1], "s", cpu[0], "2 processes", "cpu_parallel_s"));
            rows.Add(new Row("4", "ThreadStrategy MaxConcurrency 2", cpu[2], "s", cpu[0], null, null));
            rows.Add(new Row("4", "Parallel.ForEach, 2 threads (parallelism available)", cpu[3], "s", cpu[0], null, null));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Warm pool: WarmUpAsync took {warmUpMs:F1} ms; {process.LiveWorkerCount} workers alive after the cases, {WorkerPids.Count} worker pids seen (2 expected: more means workers were replaced)."));
        }

        var (cold, dispose, bare, spawn, firstItem) = await ColdStartAsync(rounds);
        rows.Add(new Row("2", "bare `dotnet exec` of this app, no-op (baseline)", bare, "ms", bare, null, null));
        rows.Add(new Row("2", "ProcessStrategy new -> first InvokeAsync result", cold, "ms", bare, "fork pool", "cold_start_ms"));
        rows.Add(new Row("2", "  then DisposeAsync (informational)", dispose, "ms", bare, null, null));
        rows.Add(new Row("2", "  split: new + WarmUpAsync, 1 worker (to hello)", spawn, "ms", bare, null, null));
        rows.Add(new Row("2", "  split: then first InvokeAsync on that worker", firstItem, "ms", bare, null, null));

        var python = await RunPythonAsync(rounds, cpuRounds);
        PrintTable(rows.OrderBy(r => r.Section, StringComparer.Ordinal).ToList(), python);
        PrintTargets(rows, python);

        var leftovers = LeftoverWorkers();
        Console.WriteLine(leftovers.Count == 0
            ? string.Create(CultureInfo.InvariantCulture, $"Leftover worker processes: none ({WorkerPids.Count} worker pids tracked).")
            : $"Leftover worker processes: {string.Join(", ", leftovers)} (NOT disposed).");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Total time of the process mode: {total.Elapsed.TotalSeconds:F1} s; load average at end: {LoadAverage()}."));
        return leftovers.Count == 0 ? 0 : 1;
    }

    /// <summary>The work of the trivial cases.</summary>
    internal static int AddOne(int x) => x + 1;

    /// <summary>Counts the primes below <paramref name="limit"/> by trial division (the same algorithm as the Python script).</summary>
    /// <remarks>
    /// Fully optimized at its first call, with no tiering: otherwise the calibration and each fresh worker would run
    /// tier-0/OSR code about twice as slow as the tier-1 code the in-process cases reach, and the ~100 ms target and
    /// the speedups would depend on how many calls each process had made so far.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int CountPrimes(int limit)
    {
        var count = 0;
        for (var n = 2; n < limit; n++)
        {
            var prime = true;
            for (var d = 2; d <= n / d; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            if (prime)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Runs every case once per round, in order, round after round; returns each case's median without the first round.</summary>
    private static async Task<double[]> MeasureAsync(int rounds, ProcessStrategy process, (string Name, Func<Task<double>> Run)[] cases)
    {
        var samples = cases.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < rounds + 1; round++)
        {
            for (var i = 0; i < cases.Length; i++)
            {
                GC.Collect();
                var value = await cases[i].Run();
                NoteWorkers(process);
                if (round > 0)
                {
                    samples[i].Add(value);
                }
            }
        }

        return samples.Select(Median).ToArray();
    }

    private static async Task<double> PerItemAsync(IAsyncEnumerable<ItemOutcome<int, int>> outcomes, int items)
    {
        var sw = Stopwatch.StartNew();
        var (count, sum) = await DrainAsync(outcomes);
        var elapsed = sw.Elapsed;
        if (count != items || sum != (long)items * (items + 1) / 2)
        {
            throw new InvalidOperationException($"Wrong results: {count} outcomes summing to {sum} for {items} items.");
        }

        return elapsed.TotalMicroseconds / items;
    }

    private static async Task<double> CpuAsync(IAsyncEnumerable<ItemOutcome<int, int>> outcomes, long expected)
    {
        var sw = Stopwatch.StartNew();
        var (count, sum) = await DrainAsync(outcomes);
        var elapsed = sw.Elapsed;
        if (count != CpuItems || sum != expected)
        {
            throw new InvalidOperationException($"Wrong results: {count} outcomes summing to {sum}, expected {CpuItems} summing to {expected}.");
        }

        return elapsed.TotalSeconds;
    }

    private static double Serial(int[] items, long expected)
    {
        var sw = Stopwatch.StartNew();
        long sum = 0;
        foreach (var item in items)
        {
            sum += CountPrimes(item);
        }

        var elapsed = sw.Elapsed;
        return sum == expected ? elapsed.TotalSeconds : throw new InvalidOperationException($"Serial sum {sum} != {expected}.");
    }

    private static double ParallelForEach(int[] items, long expected)
    {
        var sw = Stopwatch.StartNew();
        long sum = 0;
        Parallel.ForEach(items, new ParallelOptions { MaxDegreeOfParallelism = Workers }, item => Interlocked.Add(ref sum, CountPrimes(item)));
        var elapsed = sw.Elapsed;
        return sum == expected ? elapsed.TotalSeconds : throw new InvalidOperationException($"Parallel.ForEach sum {sum} != {expected}.");
    }

    /// <summary>The median of <see cref="RoundTrips"/> sequential single-item calls, in µs.</summary>
    private static async Task<double> RoundTripAsync(IExecutionStrategy strategy)
    {
        var calls = new List<double>(RoundTrips);
        for (var i = 0; i < RoundTrips; i++)
        {
            var sw = Stopwatch.StartNew();
            var result = await strategy.InvokeAsync(i, AddOneWork);
            calls.Add(sw.Elapsed.TotalMicroseconds);
            if (result != i + 1)
            {
                throw new InvalidOperationException($"InvokeAsync({i}) returned {result}.");
            }
        }

        return Median(calls);
    }

    private static async Task<(long Count, long Sum)> DrainAsync(IAsyncEnumerable<ItemOutcome<int, int>> outcomes)
    {
        long count = 0, sum = 0;
        await foreach (var outcome in outcomes)
        {
            if (outcome.Error is { } error)
            {
                throw new InvalidOperationException($"Item {outcome.Index} failed: {error.GetType().Name}: {error.Message}", error);
            }

            count++;
            sum += outcome.Result;
        }

        return (count, sum);
    }

    /// <summary>
    /// Cold start, interleaved with a bare process start of this app (the floor of any dotnet child): a new
    /// strategy per round, timed from its constructor to the first result, then disposed (timed apart).
    /// </summary>
    private static async Task<(double Cold, double Dispose, double Bare, double Spawn, double FirstItem)> ColdStartAsync(int rounds)
    {
        var cold = new List<double>();
        var dispose = new List<double>();
        var bare = new List<double>();
        var spawn = new List<double>();
        var firstItem = new List<double>();
        for (var round = 0; round < rounds + 1; round++)
        {
            GC.Collect();
            var sw = Stopwatch.StartNew();
            var strategy = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = Workers });
            double coldMs, disposeMs;
            try
            {
                var result = await strategy.InvokeAsync(1, AddOneWork);
                coldMs = sw.Elapsed.TotalMilliseconds;
                if (result != 2)
                {
                    throw new InvalidOperationException($"InvokeAsync(1) returned {result}.");
                }

                NoteWorkers(strategy);
            }
            finally
            {
                sw.Restart();
                await strategy.DisposeAsync();
                disposeMs = sw.Elapsed.TotalMilliseconds;
            }

            var bareMs = await BareProcessStartAsync();

            // The same cold start in two steps, to tell the process start and handshake from the first item's cost.
            GC.Collect();
            sw.Restart();
            double spawnMs, firstItemMs;
            await using (var split = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 1 }))
            {
                await split.WarmUpAsync();
                spawnMs = sw.Elapsed.TotalMilliseconds;
                NoteWorkers(split);
                sw.Restart();
                var result = await split.InvokeAsync(1, AddOneWork);
                firstItemMs = sw.Elapsed.TotalMilliseconds;
                if (result != 2)
                {
                    throw new InvalidOperationException($"InvokeAsync(1) returned {result}.");
                }
            }

            if (round > 0)
            {
                cold.Add(coldMs);
                dispose.Add(disposeMs);
                bare.Add(bareMs);
                spawn.Add(spawnMs);
                firstItem.Add(firstItemMs);
            }
        }

        return (Median(cold), Median(dispose), Median(bare), Median(spawn), Median(firstItem));
    }

    /// <summary>Starts this app in its no-op mode with the same dotnet host the workers use, and waits for it to exit.</summary>
    private static async Task<double> BareProcessStartAsync()
    {
        var dotnet = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet"));
        var start = new ProcessStartInfo(dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(ProcessHarness).Assembly.Location);
        start.ArgumentList.Add("noop");
        var sw = Stopwatch.StartNew();
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {dotnet}.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await child.WaitForExitAsync(timeout.Token);
        var elapsed = sw.Elapsed.TotalMilliseconds;
        return child.ExitCode == 0 ? elapsed : throw new InvalidOperationException($"The no-op child exited with {child.ExitCode}.");
    }

    /// <summary>Finds a limit for which <see cref="CountPrimes"/> takes about <see cref="CpuItemTargetMs"/> here, serially.</summary>
    private static (int Limit, double Ms) CalibratePrimeLimit()
    {
        var limit = 20_000;
        for (var i = 0; i < 3; i++)
        {
            CountPrimes(limit); // JIT warm-up
        }

        // The fastest of three runs: on a shared machine, other processes only ever make a run slower.
        for (var step = 0; step < 8; step++)
        {
            var ms = Math.Min(TimeCountPrimes(limit), Math.Min(TimeCountPrimes(limit), TimeCountPrimes(limit)));
            if (Math.Abs(ms - CpuItemTargetMs) < CpuItemTargetMs * 0.03)
            {
                break;
            }

            // Trial division costs about limit^1.5 / log(limit): the exponent alone converges in a few steps.
            limit = (int)Math.Max(1_000, limit * Math.Pow(CpuItemTargetMs / Math.Max(ms, 0.01), 1 / 1.4));
        }

        var final = new[] { TimeCountPrimes(limit), TimeCountPrimes(limit), TimeCountPrimes(limit) };
        return (limit, final.Min());
    }

    private static double TimeCountPrimes(int limit)
    {
        var sw = Stopwatch.StartNew();
        GC.KeepAlive(CountPrimes(limit));
        return sw.Elapsed.TotalMilliseconds;
    }

    private static void NoteWorkers(ProcessStrategy strategy)
    {
        foreach (var pid in strategy.WorkerProcessIds)
        {
            WorkerPids.Add(pid);
        }
    }

    /// <summary>The machine's load average (Linux), which tells how much of the cores other processes took during the run.</summary>
    private static string LoadAverage()
    {
        const string LoadAvg = "/proc/loadavg";
        return File.Exists(LoadAvg) ? string.Join(' ', File.ReadAllText(LoadAvg).Split(' ').Take(3)) : "n/a";
    }

    /// <summary>Worker processes this run started that are still alive (Linux: checked through /proc).</summary>
    private static List<int> LeftoverWorkers()
    {
        var alive = new List<int>();
        foreach (var pid in WorkerPids)
        {
            var cmdline = $"/proc/{pid}/cmdline";
            if (File.Exists(cmdline) && File.ReadAllText(cmdline).Contains("WorkerHost", StringComparison.Ordinal))
            {
                alive.Add(pid);
            }
        }

        return alive;
    }

    /// <summary>Runs the Python script with python3 and parses its JSON; null (with a note) when it cannot.</summary>
    private static async Task<JsonElement?> RunPythonAsync(int rounds, int cpuRounds)
    {
        var script = Scenarios.PythonRunner.FindScript("process_pool_overhead.py");
        if (script is null)
        {
            Console.WriteLine("Python: bench/python/process_pool_overhead.py not found above the current or the app directory; Python columns skipped.");
            return null;
        }

        var start = new ProcessStartInfo("python3") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--rounds");
        start.ArgumentList.Add(rounds.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--cpu-rounds");
        start.ArgumentList.Add(cpuRounds.ToString(CultureInfo.InvariantCulture));
        Process? python;
        try
        {
            python = Process.Start(start);
        }
        catch (Win32Exception ex)
        {
            Console.WriteLine($"Python: python3 could not be started ({ex.Message}); Python columns skipped.");
            return null;
        }

        if (python is null)
        {
            Console.WriteLine("Python: python3 could not be started; Python columns skipped.");
            return null;
        }

        using (python)
        {
            var stdout = python.StandardOutput.ReadToEndAsync();
            var stderr = python.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(PythonTimeout);
            try
            {
                await python.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                python.Kill(entireProcessTree: true);
                await python.WaitForExitAsync();
                Console.WriteLine($"Python: the script ran over {PythonTimeout} and was killed; Python columns skipped.");
                return null;
            }

            var output = await stdout;
            var errors = await stderr;
            if (python.ExitCode != 0)
            {
                Console.WriteLine($"Python: the script exited with {python.ExitCode}; Python columns skipped. stderr: {errors.Trim()}");
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(output);
                var root = json.RootElement.Clone();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Python: {root.GetProperty("implementation").GetString()} {root.GetProperty("python").GetString()}, start method '{root.GetProperty("start_method").GetString()}', {root.GetProperty("workers").GetInt32()} processes, run by this harness right after the .NET cases (python3 {Path.GetRelativePath(Environment.CurrentDirectory, script)} --rounds {rounds} --cpu-rounds {cpuRounds})."));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Python: count_primes({root.GetProperty("prime_limit").GetInt32():N0}) takes {root.GetProperty("prime_item_ms").GetDouble():F1} ms (calibrated to ~100 ms in Python); spawn-context cold start {root.GetProperty("cold_start_spawn_ms").GetDouble():F1} ms."));
                return root;
            }
            catch (JsonException ex)
            {
                Console.WriteLine($"Python: output was not JSON ({ex.Message}); Python columns skipped. Output: {output.Trim()}");
                return null;
            }
        }
    }

    private static void PrintTable(List<Row> rows, JsonElement? python)
    {
        Console.WriteLine();
        Console.WriteLine("Sections: 1 per-item cost, trivial x => x + 1 items, 100,000 per run (2,000 for BatchSize 1), warm pool; 2 cold start;");
        Console.WriteLine("3 warm single round trip, median of 200 sequential calls; 4 CPU-bound, 40 items of ~100 ms CountPrimes, total wall time.");
        Console.WriteLine("Python runs its own ~100 ms count_primes (same algorithm, its own calibration), so compare speedups, not seconds, in section 4.");
        Console.WriteLine("'vs base' = this figure / the section's in-run baseline. 'Python/ours' > 1 means ours is that many times lower (better).");
        Console.WriteLine($"{"#",1} {"case",-50} {"median",10} {"unit",-8} {"vs base",8}   {"Python case",-18} {"Python",10} {"Python/ours",12}");
        foreach (var row in rows)
        {
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{row.Section,1} {row.Name,-50} {Format(row.Value),10} {row.Unit,-8} {row.Value / row.Baseline,7:F2}x");
            if (row.PythonKey is { } key && python is { } py)
            {
                var theirs = py.GetProperty(key).GetDouble();
                line += string.Create(CultureInfo.InvariantCulture, $"   {row.PythonCase,-18} {Format(theirs),10} {theirs / row.Value,11:F2}x");
            }

            Console.WriteLine(line);
        }

        var serial = rows.Single(r => r.Name.StartsWith("Serial", StringComparison.Ordinal)).Value;
        var pythonSpeedup = python is { } p
            ? string.Create(CultureInfo.InvariantCulture, $", Python 2 processes {p.GetProperty("cpu_speedup").GetDouble():F2}x")
            : string.Empty;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU speedup (serial / parallel): ProcessStrategy {serial / Find(rows, "4", "ProcessStrategy"):F2}x, ThreadStrategy {serial / Find(rows, "4", "ThreadStrategy"):F2}x, Parallel.ForEach {serial / Find(rows, "4", "Parallel.ForEach"):F2}x{pythonSpeedup}; serial item here {serial * 1000 / CpuItems:F1} ms."));
    }

    private static void PrintTargets(List<Row> rows, JsonElement? python)
    {
        Console.WriteLine();
        Console.WriteLine("Targets (issue #4):");
        var auto = Find(rows, "1", "ProcessStrategy auto");
        if (python is { } py)
        {
            var chunk100 = py.GetProperty("per_item_us_chunksize_100").GetDouble();
            var chunk1 = py.GetProperty("per_item_us_chunksize_1").GetDouble();
            Target($"auto-batched per-item cost >= 2x lower than Python chunksize=100: ours {auto:F3} µs, Python {chunk100:F3} µs, {chunk100 / auto:F2}x lower", chunk100 / auto >= 2);
            Target($"auto-batched per-item cost >= 50x lower than Python chunksize=1: ours {auto:F3} µs, Python {chunk1:F1} µs, {chunk1 / auto:F1}x lower", chunk1 / auto >= 50);
        }
        else
        {
            Console.WriteLine("  [skipped] the per-item comparisons with Python (no Python figures).");
        }

        var cold = Find(rows, "2", "ProcessStrategy new");
        Target($"cold start to the first result <= 80 ms: {cold:F1} ms", cold <= 80);
        var trip = Find(rows, "3", "ProcessStrategy");
        Target($"warm round trip <= 200 µs: {trip:F1} µs", trip <= 200);
        var speedup = Find(rows, "4", "Serial") / Find(rows, "4", "ProcessStrategy");
        Target($"CPU-bound speedup on 2 workers >= 1.8x: {speedup:F2}x", speedup >= 1.8);
    }

    private static void Target(FormattableString text, bool met) =>
        Console.WriteLine($"  [{(met ? "met" : "NOT MET")}] {text.ToString(CultureInfo.InvariantCulture)}");

    private static double Find(List<Row> rows, string section, string prefix) =>
        rows.First(r => r.Section == section && r.Name.StartsWith(prefix, StringComparison.Ordinal)).Value;

    private static string Format(double value) =>
        value.ToString(value >= 100 ? "F1" : value >= 1 ? "F2" : "F3", CultureInfo.InvariantCulture);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private sealed record Row(string Section, string Name, double Value, string Unit, double Baseline, string? PythonCase, string? PythonKey);
}
