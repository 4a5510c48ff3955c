using System.Text.Json;
using Concurrency.Strategies.Demo;
using Concurrency.Strategies.Scenarios;
using Spectre.Console;

// The Python explainer's scenarios against a local server, through each strategy and the decision guide's pick.
// Exit code: 0 every item verified, 1 an item was wrong, failed or lost, 2 bad arguments.
var arguments = DemoArguments.Parse(args);
if (arguments.Error is not null)
{
    Console.Error.WriteLine(arguments.Error);
    Console.Error.WriteLine(DemoArguments.Usage);
    return 2;
}

if (arguments.ShowHelp)
{
    Console.WriteLine(DemoArguments.Usage);
    return 0;
}

// Redirected output (a log, a pipe, CI) gets plain text: no colours, no cursor movement, no live progress.
var console = Console.IsOutputRedirected
    ? AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(Console.Out) })
    : AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // No terminal to measure: wide enough that the tables never wrap their cells.
    console.Profile.Width = 200;
}

using var stop = new CancellationTokenSource();

// The first Ctrl+C cancels the runs (every worker thread and process stops, the temp files go); a second one ends the
// demo at once.
ConsoleCancelEventHandler onCancel = (_, e) =>
{
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        stop.Cancel();
    }
};
Console.CancelKeyPress += onCancel;
try
{
    return await RunAsync();
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    console.MarkupLine("[yellow]Cancelled.[/] Every worker thread and process has stopped.");
    return 130;
}
finally
{
    Console.CancelKeyPress -= onCancel;
}

async Task<int> RunAsync()
{

    var sizes = arguments.Sizes;
    console.MarkupLine($"[bold]Concurrency.Strategies demo[/] ({sizes.Name}): {Environment.ProcessorCount} cores, .NET {Environment.Version}");
    await using var host = await ScenarioHost.StartAsync(sizes, arguments.FaultRate, cancellationToken: stop.Token);
    console.MarkupLineInterpolated($"Local server {host.Server.BaseAddress}: {sizes.Latency.TotalMilliseconds:0} ms latency, {arguments.FaultRate:P0} of requests answered 503 (retried with jitter by a Polly pipeline).");
    console.WriteLine();

    var reports = new List<ScenarioReport>();
    foreach (var name in arguments.Scenarios)
    {
        var scenario = ScenarioCatalog.All.Single(s => s.Name == name);
        var report = await ProgressDisplay.RunAsync(console, observer => scenario.Run(host, observer, stop.Token));
        ReportTables.Write(console, report);
        reports.Add(report);
    }

    var runs = reports.SelectMany(r => r.Runs).ToList();
    var problems = runs.Where(r => !r.Verified).ToList();
    console.MarkupLineInterpolated(
        $"Server: {host.Server.Requests:N0} requests, {host.Server.FaultsInjected:N0} answered 503; retries made: {runs.Sum(r => r.Retries):N0}.");
    if (arguments.JsonPath is { } path)
    {
        var json = new
        {
            machine = new { cores = Environment.ProcessorCount, runtime = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
            sizes = sizes.Name,
            latencyMs = sizes.Latency.TotalMilliseconds,
            arguments.FaultRate,
            server = new { requests = host.Server.Requests, faults = host.Server.FaultsInjected },
            scenarios = reports.Select(r => new
            {
                r.Name,
                r.Title,
                pick = new { kind = r.Pick.Kind.ToString(), r.Pick.MaxConcurrency, r.Pick.Reasons, stages = r.Pick.Stages.Select(s => new { kind = s.Kind.ToString(), s.MaxConcurrency }) },
                runs = r.Runs.Select(run => new
                {
                    run.Strategy, run.Variant, run.Concurrency, run.Items, wallSeconds = run.Wall.TotalSeconds, run.ItemsPerSecond,
                    cpuSeconds = run.Cpu.TotalSeconds, run.PeakMemoryBytes, run.Failures, run.Retries, run.IsGuidePick, run.Verified, run.Problems,
                }),
            }),
        };
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
        console.MarkupLineInterpolated($"Results written to {path}.");
    }

    if (problems.Count == 0)
    {
        console.MarkupLineInterpolated($"[green]Verified:[/] {runs.Count} runs, {runs.Sum(r => r.Items):N0} items, every one exactly once and correct.");
        return 0;
    }

    foreach (var run in problems)
    {
        console.MarkupLineInterpolated($"[red]{run.Scenario}, {run.Strategy} ×{run.Concurrency}:[/] {run.Problems.Count} problem(s), first: {run.Problems[0]}");
    }

    return 1;
}
