using System.Globalization;
using System.Text;

namespace Concurrency.Strategies.Benchmarks.Scenarios;

/// <summary>
/// Writes the scenario runner's tables into benchmarks.md (between markers) and its plots into images/. Every ratio is
/// taken between cases of the same run: to the workload's baseline (a runtime's own serial loop for the scenarios, the
/// .NET channel for per-item overhead, the work alone for memory), and between a .NET case and its Python counterpart.
/// </summary>
internal sealed class ScenarioReport(List<Workload> workloads, BenchSizes sizes, string machine, string pythonNote, string command, TimeSpan elapsed)
{
    public const string Begin = "<!-- scenarios:begin -->";
    public const string End = "<!-- scenarios:end -->";

    public List<Workload> Workloads => workloads;

    public void Write(string directory)
    {
        var images = Path.Combine(directory, "images");
        Directory.CreateDirectory(images);
        var plots = ScenarioPlots.Write(this, images);
        var section = Markdown(plots.Select(p => (p.Title, Path.GetRelativePath(directory, p.Path).Replace('\\', '/'))).ToList());
        var file = Path.Combine(directory, "benchmarks.md");
        var text = File.Exists(file) ? File.ReadAllText(file) : $"# Benchmarks\n\n{Begin}\n{End}\n";
        var begin = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        text = begin >= 0 && end > begin
            ? string.Concat(text.AsSpan(0, begin + Begin.Length), "\n", section, text.AsSpan(end))
            : text + $"\n## Scenarios\n\n{Begin}\n{section}{End}\n";
        File.WriteAllText(file, text);
        Console.WriteLine(section);
    }

    /// <summary>Speed of <paramref name="c"/> relative to <paramref name="reference"/> (per item, so different counts compare): above 1 is faster.</summary>
    public static double Speedup(BenchCase c, BenchCase reference) => reference.Median / reference.Items / (c.Median / c.Items);

    private string Markdown(List<(string Title, string Path)> plots)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} on {machine}, with `{command}` in {elapsed.TotalMinutes:F1} minutes: {sizes.Rounds} round(s) of every case, the median shown, .NET and Python cases interleaved in every round (the order turns each round).");
        md.AppendLine(CultureInfo.InvariantCulture, $"{pythonNote} The local server (Kestrel on 127.0.0.1, from `samples/Concurrency.Strategies.Scenarios`, shared with the demo) answers every request after 50 ms, with no faults.");
        md.AppendLine("Every case is checked: one outcome per item and none failed, and a checksum of the results (bytes saved, links + words + title characters scraped, primes counted, the resized files' lengths for .NET and their 800x600 decode for Python).");
        md.AppendLine("Ratios: **vs baseline** is the case's speed over its baseline's (per item; the baseline is marked ◆: the same runtime's serial loop for the scenarios and CPU work, the .NET channel for overhead, the work alone for memory); **.NET / Python** is how many times faster (or, for memory, smaller) the .NET case is than its Python counterpart at the same concurrency and batch size.");
        md.AppendLine();
        foreach (var (title, path) in plots)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"![{title}]({path})");
            md.AppendLine();
        }

        foreach (var workload in workloads)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"### {workload.Title}");
            md.AppendLine();
            if (workload.Note.Length > 0)
            {
                md.AppendLine(workload.Note);
                md.AppendLine();
            }

            if (workload.Measure == Measure.Memory)
            {
                WriteMemory(md, workload);
            }
            else
            {
                WriteTimes(md, workload);
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    private static void WriteTimes(StringBuilder md, Workload workload)
    {
        var perItem = workload.Measure == Measure.PerItem;
        var ideal = workload.Ideal is not null;
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| Runtime | Approach | Concurrency | Setting | Items | Median s (range) | {(perItem ? "Per item" : "Items/s")} | vs baseline |{(ideal ? " Of ideal |" : string.Empty)} .NET / Python |");
        md.AppendLine(CultureInfo.InvariantCulture, $"|---|---|--:|---|--:|--:|--:|--:|{(ideal ? "--:|" : string.Empty)}--:|");
        foreach (var c in workload.Cases)
        {
            if (c.Failed)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {c.RuntimeName} | {c.Approach} | {c.Concurrency:N0} | {c.Setting} | {c.Items:N0} | FAILED: {Escape(string.Join("; ", c.Problems.Take(2)))} | | |{(ideal ? " |" : string.Empty)} |");
                continue;
            }

            var baseline = workload.Baseline(c.Runtime);
            var figure = perItem ? Duration(c.PerItemNanoseconds) : c.Throughput.ToString(c.Throughput >= 100 ? "N0" : "N1", CultureInfo.InvariantCulture);
            var ratio = c == baseline ? "◆ 1.00×" : $"{Speedup(c, baseline).ToString("F2", CultureInfo.InvariantCulture)}×";
            var idealCell = ideal && workload.Ideal!(c) is { } best ? $" {(best / c.Median * 100).ToString("F0", CultureInfo.InvariantCulture)}% |" : ideal ? " |" : string.Empty;
            var python = workload.Counterpart(c) is { } counterpart ? $"{Speedup(c, counterpart).ToString("F2", CultureInfo.InvariantCulture)}×" : string.Empty;
            var range = c.Range.Length > 0 ? $" ({c.Range})" : string.Empty;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {c.RuntimeName} | {c.Approach} | {c.Concurrency:N0} | {c.Setting} | {c.Items:N0} | {BenchCase.Format(c.Median)}{range} | {figure} | {ratio} |{idealCell} {python} |");
        }
    }

    private static void WriteMemory(StringBuilder md, Workload workload)
    {
        var alone = workload.Cases.FirstOrDefault(c => c.IsBaseline && !c.Failed)?.Value;
        md.AppendLine("| Runtime | Approach | Setting | Items pending | Bytes per pending item | vs the work alone | Bookkeeping per item (minus the work alone) |");
        md.AppendLine("|---|---|---|--:|--:|--:|--:|");
        foreach (var c in workload.Cases)
        {
            if (c.Failed || c.Value is not { } value)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {c.RuntimeName} | {c.Approach} | {c.Setting} | {c.Items:N0} | FAILED: {Escape(string.Join("; ", c.Problems.Take(2)))} | | |");
                continue;
            }

            var ratio = alone is { } a && a > 0 ? (value / a).ToString("F2", CultureInfo.InvariantCulture) + "×" : string.Empty;
            var bookkeeping = c.Runtime == Runtime.DotNet && alone is { } w && !c.IsBaseline ? (value - w).ToString("N0", CultureInfo.InvariantCulture) : c.IsBaseline ? "◆" : "n/a (tracemalloc, whole task)";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {c.RuntimeName} | {c.Approach} | {c.Setting} | {c.Items:N0} | {value:N0} | {ratio} | {bookkeeping} |");
        }
    }

    /// <summary>A per-item time in the unit that reads best: 195 ns, 2.97 µs, 171 µs, 243 ms.</summary>
    public static string Duration(double nanoseconds) => nanoseconds switch
    {
        < 1_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds:N0} ns"),
        < 10_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e3:F2} µs"),
        < 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e3:N0} µs"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1e6:N0} ms"),
    };

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
