using System.Globalization;
using Concurrency.Strategies.Scenarios;
using Spectre.Console;

namespace Concurrency.Strategies.Demo;

/// <summary>One table per scenario, then the guide's pick and its reasons.</summary>
internal static class ReportTables
{
    public static void Write(IAnsiConsole console, ScenarioReport report)
    {
        var fastest = report.Runs.Min(r => r.Wall);
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(report.Title));
        table.AddColumn("Strategy");
        table.AddColumn("Concurrency", c => c.RightAligned());
        table.AddColumn("Work");
        table.AddColumn("Wall", c => c.RightAligned());
        table.AddColumn("Items/s", c => c.RightAligned());
        table.AddColumn("vs fastest", c => c.RightAligned());
        table.AddColumn("CPU time", c => c.RightAligned());
        table.AddColumn("Peak RSS", c => c.RightAligned());
        table.AddColumn("Failures", c => c.RightAligned());
        table.AddColumn("Retries", c => c.RightAligned());
        table.AddColumn("Verified");
        foreach (var run in report.Runs)
        {
            var strategy = Markup.Escape(run.Strategy) + (run.IsGuidePick ? " [green](guide's pick)[/]" : string.Empty);
            table.AddRow(
                strategy,
                run.Concurrency,
                Markup.Escape(run.Variant),
                Seconds(run.Wall),
                run.ItemsPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                (run.Wall.TotalSeconds / Math.Max(fastest.TotalSeconds, 1e-9)).ToString("0.00x", CultureInfo.InvariantCulture),
                Seconds(run.Cpu),
                $"{run.PeakMemoryBytes / (1024.0 * 1024):0} MB",
                run.Failures.ToString(CultureInfo.InvariantCulture),
                run.Retries?.ToString(CultureInfo.InvariantCulture) ?? "-",
                run.Verified ? "[green]yes[/]" : $"[red]no ({run.Problems.Count})[/]");
        }

        console.Write(table);
        console.MarkupLine("[grey]CPU time and peak RSS are this process's, which also hosts the local server, plus its worker processes' (the sum of their peaks). Retries \"-\": the run has no resilience pipeline (local CPU work).[/]");
        var pick = report.Pick;
        var stages = pick.Stages.Count > 0 ? " as stages " + string.Join(" → ", pick.Stages.Select(s => $"{s.Kind} ×{s.MaxConcurrency}")) : string.Empty;
        console.MarkupLineInterpolated($"[bold]Guide's pick:[/] {pick.Kind}Strategy ×{pick.MaxConcurrency}{stages}");
        foreach (var reason in pick.Reasons)
        {
            console.MarkupLineInterpolated($"  - {reason}");
        }

        console.WriteLine();
    }

    public static string Seconds(TimeSpan span) =>
        span < TimeSpan.FromSeconds(10)
            ? span.TotalSeconds.ToString("0.000 s", CultureInfo.InvariantCulture)
            : span.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture);
}
