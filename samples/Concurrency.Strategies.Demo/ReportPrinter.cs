namespace Concurrency.Strategies.Demo;

/// <summary>Writes the demo's plain-text report: a header, a table and a "why" line per workload, and the verdict.</summary>
/// <param name="output">Where to write, normally <see cref="Console.Out"/>.</param>
internal sealed class ReportPrinter(TextWriter output)
{
    private const string Indent = "  ";

    public void PrintHeader(DemoSizes sizes)
    {
        output.WriteLine(
            $"Concurrency.Strategies demo: {sizes.Name} sizes, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        output.WriteLine(
            "Every workload runs serially (the baseline) and through the strategies; speedup = items/s over the baseline's items/s.");
    }

    public void Print(WorkloadReport report)
    {
        output.WriteLine();
        output.WriteLine($"{report.Name}: {report.Description}");
        var table = new TextTable(
            ("strategy", false),
            ("work", false),
            ("concurrency", true),
            ("items", true),
            ("wall time", true),
            ("items/s", true),
            ("speedup", true),
            ("failures", true));
        foreach (var row in report.Rows)
        {
            table.AddRow(
                row.Strategy,
                row.Work,
                Format.Count(row.Concurrency),
                Format.Count(row.Items),
                Format.Seconds(row.Wall),
                Format.Rate(row.ItemsPerSecond),
                Format.Speedup(row.ItemsPerSecond / report.Baseline.ItemsPerSecond),
                Format.Count(row.Failures));
        }

        table.WriteTo(output, Indent);
        output.WriteLine($"{Indent}why: {report.Why}");
    }

    public void PrintVerdict(int runs, IReadOnlyList<string> problems)
    {
        output.WriteLine();
        if (problems.Count == 0)
        {
            output.WriteLine($"OK: all {runs} runs verified (one outcome per item, in place, no failures, every result right).");
            return;
        }

        output.WriteLine($"FAILED: {problems.Count} problem(s) found:");
        foreach (var problem in problems)
        {
            output.WriteLine($"{Indent}{problem}");
        }
    }
}
