using Concurrency.Strategies.Benchmarks;

// Quick Stopwatch harness (the full BenchmarkDotNet suite is its own issue):
//   dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- overhead [items] [rounds]
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
    default:
        Console.Error.WriteLine($"Unknown mode '{mode}'. Modes: overhead [items] [rounds], threads.");
        return 2;
}

return 0;
