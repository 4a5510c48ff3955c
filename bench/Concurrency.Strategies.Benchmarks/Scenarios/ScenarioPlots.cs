using System.Globalization;
using ScottPlot;

namespace Concurrency.Strategies.Benchmarks.Scenarios;

/// <summary>
/// The scenario runner's plots (ScottPlot, PNG): throughput against concurrency for the I/O scenarios, speedup against
/// workers for the CPU work, per-item overhead bars and bytes per pending item. Log scales are drawn as log10 values
/// with ticks labelled in the real unit.
/// </summary>
internal static class ScenarioPlots
{
    private const int Width = 900;
    private const int Height = 520;

    private static readonly int[] Steps = [1, 2, 5];
    private static readonly Color[] DotNetColors = [Colors.Navy, Colors.SeaGreen, Colors.DarkOrange, Colors.Purple];
    private static readonly Color[] PythonColors = [Colors.SteelBlue, Colors.LightGreen, Colors.Orange, Colors.Plum];

    public static List<(string Title, string Path)> Write(ScenarioReport report, string directory)
    {
        var written = new List<(string, string)>();
        foreach (var workload in report.Workloads)
        {
            var file = Path.Combine(directory, $"scenarios-{workload.Name}.png");
            var title = workload.Measure switch
            {
                Measure.Memory => Memory(workload, file),
                Measure.PerItem => Overhead(workload, file),
                _ when workload.Ideal is not null => Throughput(workload, file),
                _ => Scaling(workload, file),
            };
            if (title is not null)
            {
                written.Add((title, file));
            }
        }

        return written;
    }

    /// <summary>Items per second against concurrency, a line per approach, with the ideal (one latency per wave of requests).</summary>
    private static string? Throughput(Workload workload, string file)
    {
        var plot = NewPlot();
        var title = $"{workload.Name}: throughput vs concurrency";
        plot.Title(title);
        var all = new List<double>();
        foreach (var group in Groups(workload))
        {
            var xs = group.Cases.Select(c => Math.Log10(c.Concurrency)).ToArray();
            var ys = group.Cases.Select(c => Math.Log10(c.Throughput)).ToArray();
            all.AddRange(ys);
            Line(plot, xs, ys, group.Label, group.Color, group.Runtime == Runtime.Python);
        }

        // The ideal per level is the workload's own (the table's "Of ideal" column uses the same function).
        var levels = workload.Cases.Select(c => c.Concurrency).Distinct().Order().ToArray();
        var ideal = levels
            .Select(level => workload.Cases.Where(c => c.Concurrency == level).MaxBy(c => c.Items)!)
            .Select(c => Math.Log10(c.Items / workload.Ideal!(c)!.Value))
            .ToArray();
        IdealLine(plot, levels.Select(c => Math.Log10(c)).ToArray(), ideal, "ideal (one 50 ms latency per wave)");
        all.AddRange(ideal);
        LogTicks(plot.Axes.Bottom, levels.Select(c => (double)c).ToArray(), "N0");
        LogTicks(plot.Axes.Left, Decades(all), "N0");
        plot.XLabel("items in flight (log)");
        plot.YLabel("items per second (log)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(file, Width, Height);
        return title;
    }

    /// <summary>Speedup over the runtime's own serial loop against workers, with the ideal on this machine's cores.</summary>
    private static string? Scaling(Workload workload, string file)
    {
        var plot = NewPlot();
        var title = $"{workload.Name}: speedup over the serial loop vs workers ({Environment.ProcessorCount} cores)";
        plot.Title(title);
        var any = false;
        foreach (var group in Groups(workload).Where(g => g.Cases.Count > 1))
        {
            var baseline = workload.Baseline(group.Runtime);
            Line(plot, group.Cases.Select(c => (double)c.Concurrency).ToArray(), group.Cases.Select(c => ScenarioReport.Speedup(c, baseline)).ToArray(), group.Label, group.Color, group.Runtime == Runtime.Python);
            any = true;
        }

        if (!any)
        {
            return null;
        }

        var workers = workload.Cases.Where(c => c.Family != Family.Serial).Select(c => (double)c.Concurrency).Distinct().Order().ToArray();
        IdealLine(plot, workers, workers.Select(w => Math.Min(w, Environment.ProcessorCount)).ToArray(), "ideal (one item per core)");
        plot.Axes.Bottom.SetTicks(workers, workers.Select(w => w.ToString(CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsY(0, Math.Max(Environment.ProcessorCount + 0.5, 2.5));
        plot.XLabel("threads or worker processes");
        plot.YLabel("speedup (×)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(file, Width, Height);
        return title;
    }

    /// <summary>Nanoseconds per trivial item, a bar per case, log scale.</summary>
    private static string? Overhead(Workload workload, string file)
    {
        var cases = workload.Cases.Where(c => !c.Failed).ToList();
        if (cases.Count == 0)
        {
            return null;
        }

        var title = $"{workload.Title} (time per item, log scale; lower is better)";
        var values = cases.Select(c => c.PerItemNanoseconds).ToList();
        Bars(file, title, cases, values.Select(Math.Log10).ToList(), values.Select(ScenarioReport.Duration).ToList(), logScale: true, unit: "ns");
        return title;
    }

    /// <summary>Bytes per pending item, a bar per case.</summary>
    private static string? Memory(Workload workload, string file)
    {
        var cases = workload.Cases.Where(c => !c.Failed && c.Value is not null).ToList();
        if (cases.Count == 0)
        {
            return null;
        }

        var title = string.Create(CultureInfo.InvariantCulture, $"Memory per pending item, {cases[0].Items:N0} pending (bytes; lower is better)");
        var values = cases.Select(c => c.Value!.Value).ToList();
        Bars(file, title, cases, values, values.Select(v => $"{v:N0} B").ToList(), logScale: false);
        return title;
    }

    private static void Bars(string file, string title, List<BenchCase> cases, List<double> values, List<string> labels, bool logScale, string unit = "bytes")
    {
        var plot = NewPlot();
        plot.Title(title);
        var bars = new List<Bar>();
        for (var i = 0; i < cases.Count; i++)
        {
            bars.Add(new Bar
            {
                Position = cases.Count - i,
                Value = values[i],
                ValueBase = logScale ? Math.Floor(values.Min()) : 0,
                Label = labels[i],
                FillColor = cases[i].Runtime == Runtime.DotNet ? Colors.Navy : Colors.SteelBlue.WithAlpha(0.6),
            });
        }

        var plottable = plot.Add.Bars(bars);
        plottable.Horizontal = true;
        plot.Axes.Left.SetTicks(bars.Select(b => b.Position).ToArray(), cases.Select(c => c.Label).ToArray());
        if (logScale)
        {
            LogTicks(plot.Axes.Bottom, Decades(values), "N0");
            plot.Axes.SetLimitsX(Math.Floor(values.Min()), Math.Ceiling(values.Max()) + 0.3);
        }
        else
        {
            plot.Axes.SetLimitsX(0, values.Max() * 1.25);
        }

        plot.XLabel(logScale ? $"{unit} (log)" : unit);
        plot.SavePng(file, Width + 200, 90 + (cases.Count * 42));
    }

    private static Plot NewPlot()
    {
        // The default font is the system's (DejaVu on Debian); NoDependencies Skia renders it without fontconfig.
        return new Plot();
    }

    private static void IdealLine(Plot plot, double[] xs, double[] ys, string label)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.Color = Colors.Gray;
        line.LinePattern = LinePattern.Dotted;
        line.MarkerSize = 0;
    }

    private static void Line(Plot plot, double[] xs, double[] ys, string label, Color color, bool dashed)
    {
        var line = plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 7;
        if (dashed)
        {
            line.LinePattern = LinePattern.Dashed;
        }
    }

    /// <summary>Each approach's cases across concurrency levels (one batch size per line; serial loops are a single point at 1).</summary>
    private static IEnumerable<(string Label, Runtime Runtime, Color Color, List<BenchCase> Cases)> Groups(Workload workload)
    {
        var dotnet = 0;
        var python = 0;
        foreach (var group in workload.Cases.Where(c => !c.Failed).GroupBy(c => (c.Runtime, c.Approach, c.Batch)))
        {
            var color = group.Key.Runtime == Runtime.DotNet ? DotNetColors[dotnet++ % DotNetColors.Length] : PythonColors[python++ % PythonColors.Length];
            var first = group.First();
            var label = $"{first.RuntimeName} {first.Approach}{(first.Family is Family.Processes && first.Batch == 1 ? " (batch 1)" : string.Empty)}";
            yield return (label, group.Key.Runtime, color, group.OrderBy(c => c.Concurrency).ToList());
        }
    }

    /// <summary>Ticks at 1, 2 and 5 times the powers of ten that span the values (given as log10).</summary>
    private static double[] Decades(IEnumerable<double> logValues)
    {
        var list = logValues.Where(double.IsFinite).ToList();
        var low = Math.Floor(list.DefaultIfEmpty(0).Min());
        var high = Math.Ceiling(list.DefaultIfEmpty(1).Max());
        return Enumerable.Range(0, (int)(high - low) + 1)
            .SelectMany(i => Steps.Select(m => m * Math.Pow(10, low + i)))
            .Where(v => v <= Math.Pow(10, high) && v >= Math.Pow(10, list.DefaultIfEmpty(0).Min()) / 1.01 && v <= Math.Pow(10, list.DefaultIfEmpty(1).Max()) * 5)
            .ToArray();
    }

    private static void LogTicks(IAxis axis, double[] values, string format) =>
        axis.SetTicks(values.Select(Math.Log10).ToArray(), values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)).ToArray());
}
