using System.Globalization;
using Concurrency.Strategies.Scenarios;

namespace Concurrency.Strategies.Demo;

/// <summary>The parsed command line.</summary>
/// <param name="ShowHelp">Whether to print the usage and stop.</param>
/// <param name="Sizes">The scenario sizes.</param>
/// <param name="Scenarios">The scenarios to run, by name, in order.</param>
/// <param name="JsonPath">Where to write the results as JSON, or <see langword="null"/>.</param>
/// <param name="FaultRate">The share of requests the server answers with HTTP 503.</param>
/// <param name="Error">What was wrong with the command line, or <see langword="null"/>.</param>
internal sealed record DemoArguments(bool ShowHelp, ScenarioSizes Sizes, IReadOnlyList<string> Scenarios, string? JsonPath, double FaultRate, string? Error)
{
    public static string Usage => $"""
        Usage: dotnet run --project samples/Concurrency.Strategies.Demo -c Release [-- <options>]

        Starts a local web server (127.0.0.1, a free port; 50 ms latency, 2% of requests answered 503)
        and runs the Python explainer's scenarios against it through each strategy and the decision
        guide's pick, with live progress, then a table per scenario. Every file and page is verified.

        Scenarios:
        {string.Join(Environment.NewLine, ScenarioCatalog.All.Select(s => $"  {s.Name,-10}{s.Summary}"))}

        Options:
          --quick            smaller sizes, well under 2 minutes on 2 cores (the default)
          --full             the explainer's sizes: 100 images, 200 resized, 10,000 pages
          --tiny             a few items per scenario, 5 ms latency: the same code in seconds (tests use it)
          --scenario NAME    run only this scenario (repeat, or separate names with commas)
          --latency MS       the server's latency per request (default 50)
          --fault-rate R     the share of requests answered 503, 0-0.3 (default 0.02)
          --json PATH        also write every measurement to PATH as JSON
          --help             print this text

        Exit code: 0 every item verified, 1 an item was wrong, failed or lost, 2 bad arguments,
        130 cancelled (Ctrl+C; a second Ctrl+C ends the demo at once).
        """;

    public static DemoArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var sizes = ScenarioSizes.Quick;
        var scenarios = new List<string>();
        string? json = null;
        double faultRate = 0.02;
        TimeSpan? latency = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    return Fail(null) with { ShowHelp = true };
                case "--quick":
                    sizes = ScenarioSizes.Quick;
                    break;
                case "--full":
                    sizes = ScenarioSizes.Full;
                    break;
                case "--tiny":
                    sizes = ScenarioSizes.Tiny;
                    break;
                case "--scenario" or "--json" or "--latency" or "--fault-rate" when i + 1 >= args.Count:
                    return Fail($"{arg} needs a value.");
                case "--scenario":
                    foreach (var name in args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!ScenarioCatalog.All.Any(s => s.Name == name))
                        {
                            return Fail($"Unknown scenario '{name}'. Scenarios: {string.Join(", ", ScenarioCatalog.All.Select(s => s.Name))}.");
                        }

                        scenarios.Add(name);
                    }

                    break;
                case "--json":
                    json = args[++i];
                    break;
                case "--latency":
                    if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 10_000)
                    {
                        return Fail($"--latency takes whole milliseconds, 0-10000; got '{args[i]}'.");
                    }

                    latency = TimeSpan.FromMilliseconds(ms);
                    break;
                case "--fault-rate":
                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out faultRate) || faultRate is < 0 or > 0.3)
                    {
                        return Fail($"--fault-rate takes a share of requests between 0 and 0.3 (0.02 for 2%): each item gets 6 retries, so above that items start to fail after all of them; got '{args[i]}'.");
                    }

                    break;
                default:
                    return Fail($"Unknown option '{arg}'.");
            }
        }

        if (latency is { } given)
        {
            sizes = sizes with { Latency = given };
        }

        IReadOnlyList<string> chosen = scenarios.Count > 0 ? scenarios.Distinct().ToList() : ScenarioCatalog.All.Select(s => s.Name).ToList();
        return new DemoArguments(false, sizes, chosen, json, faultRate, null);

        DemoArguments Fail(string? error) => new(false, sizes, [], null, faultRate, error);
    }
}
