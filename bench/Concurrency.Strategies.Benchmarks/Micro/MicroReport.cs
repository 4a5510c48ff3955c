using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;

namespace Concurrency.Strategies.Benchmarks.Micro;

/// <summary>Writes the BenchmarkDotNet tables of a <c>micro</c> run into docs/benchmarks.md, between markers.</summary>
internal static class MicroReport
{
    private const string Begin = "<!-- micro:begin -->";
    private const string End = "<!-- micro:end -->";

    public static void Write(string path, IReadOnlyList<Summary> summaries, string[] arguments)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores, .NET {Environment.Version}, {RuntimeInformation.OSDescription}, with `dotnet run --project bench/Concurrency.Strategies.Benchmarks -c Release -- micro {string.Join(' ', arguments)}`.");
        text.AppendLine("Times and allocations are per item (`OperationsPerInvoke`); Ratio is against the baseline row of the same table, same run.");
        foreach (var summary in summaries)
        {
            var logger = new AccumulationLogger();
            MarkdownExporter.GitHub.ExportToLog(summary, logger);
            text.AppendLine();
            text.AppendLine(logger.GetLog().Trim());
        }

        var document = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        var begin = document.IndexOf(Begin, StringComparison.Ordinal);
        var end = document.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            Console.WriteLine($"{path} has no {Begin} ... {End} markers: the tables are only in BenchmarkDotNet.Artifacts.");
            return;
        }

        File.WriteAllText(path, document[..(begin + Begin.Length)] + Environment.NewLine + text + document[end..]);
        Console.WriteLine($"Wrote the tables into {path}.");
    }
}
