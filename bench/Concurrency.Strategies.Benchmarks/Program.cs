using Concurrency.Strategies.Benchmarks;

// Quick Stopwatch harness (the full BenchmarkDotNet suite is its own issue):
//   dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- overhead [items] [rounds]
//   dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- threads
//   dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- process [rounds] [cpu-rounds]
//     (ProcessStrategy next to Python's ProcessPoolExecutor, which it runs with python3 bench/python/process_pool_overhead.py)
//   dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- scenarios [--quick]
//     (the demo's scenarios, CPU scaling, overhead and memory on every strategy and on Python's approaches, with plots)
//   dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- guide
//     (the decision guide's matrix: every workload on every strategy, the guide's picks and their regret, into docs/)
var mode = args.Length > 0 ? args[0] : "overhead";
switch (mode)
{
    case "overhead":
        await OverheadHarness.RunAsync(
            items: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000,
            rounds: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5);
        break;
    case "threads":
        await ThreadCountHarness.RunAsync();
        break;
    case "process":
        return await ProcessHarness.RunAsync(
            rounds: args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5,
            cpuRounds: args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 3);
    case "micro":
        // BenchmarkDotNet, in process: dotnet run ... -- micro [--filter *Thread*] (every BenchmarkDotNet argument works).
        var summaries = BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]).ToList();
        if (Directory.Exists("docs") && summaries.Count > 0)
        {
            Concurrency.Strategies.Benchmarks.Micro.MicroReport.Write("docs/benchmarks.md", summaries, args[1..]);
        }

        break;
    case "guide":
        // The decision guide's evidence; writes its table into docs/decision-guide.md (run from the repository root).
        return await GuideMatrix.RunAsync(Directory.Exists("docs") ? "docs" : null);
    case "scenarios":
        // The scenarios, CPU scaling, overhead and memory, every strategy beside Python's approaches; writes docs/benchmarks.md and docs/images.
        //   dotnet run ... -- scenarios [--quick] [--no-python] [--only download,scrape,...] [--rounds N]
        return await Concurrency.Strategies.Benchmarks.Scenarios.ScenarioBench.RunAsync(args[1..]);
    case "cluster":
        // The cluster strategy on three local silo processes against the process strategy: docs/scale-out.md.
        return await Concurrency.Strategies.Benchmarks.Cluster.ClusterBench.RunAsync(args[1..]);
    case "profile":
        // A missed target's case, looped for a profiler: dotnet ... -- profile thread-tiny|async-yield|process-auto|process-roundtrip [seconds]
        return await ProfileTargets.RunAsync(
            args.Length > 1 ? args[1] : string.Empty,
            TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10));
    case "noop":
        // The process mode's floor for a cold start: a bare start of this app with the dotnet host, doing nothing.
        break;
    default:
        Console.Error.WriteLine($"Unknown mode '{mode}'. Modes: overhead [items] [rounds], threads, scenarios [--quick], process [rounds] [cpu-rounds], guide, micro [BenchmarkDotNet arguments].");
        return 2;
}

return 0;
