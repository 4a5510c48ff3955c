using System.Globalization;

namespace Concurrency.Strategies.Benchmarks.Scenarios;

/// <summary>Which runtime a case runs on.</summary>
internal enum Runtime
{
    /// <summary>This library and the .NET built-ins.</summary>
    DotNet,

    /// <summary>bench/python/scenarios.py.</summary>
    Python,
}

/// <summary>The family of an approach, which pairs a .NET case with its Python counterpart.</summary>
internal enum Family
{
    /// <summary>One item at a time on one thread.</summary>
    Serial,

    /// <summary>Threads: <c>ThreadStrategy</c>, <c>ThreadPoolExecutor</c>.</summary>
    Threads,

    /// <summary>Processes: <c>ProcessStrategy</c>, <c>ProcessPoolExecutor</c>.</summary>
    Processes,

    /// <summary>Async I/O: <c>AsyncStrategy</c>, asyncio.</summary>
    Async,

    /// <summary>A .NET built-in with no Python counterpart (<c>Parallel.ForEach</c>, a channel, <c>Task.WhenAll</c>).</summary>
    BuiltIn,
}

/// <summary>One timed run's result: the time, what was wrong (if anything), and a measured value (bytes per pending item).</summary>
internal readonly record struct Sample(double Seconds, string? Problem = null, double? Value = null);

/// <summary>One configuration of one workload, run once per round.</summary>
internal sealed class BenchCase
{
    public required string Workload { get; init; }

    public required Runtime Runtime { get; init; }

    public required Family Family { get; init; }

    /// <summary>Gets the approach's name, e.g. "ThreadStrategy" or "ThreadPoolExecutor".</summary>
    public required string Approach { get; init; }

    public required int Concurrency { get; init; }

    /// <summary>Gets how it is set up beyond the concurrency, e.g. "chunksize 100" or "blocking client".</summary>
    public string Setting { get; init; } = string.Empty;

    /// <summary>Gets the batch or chunk size that pairs a .NET case with its Python one (0 = automatic / not batched).</summary>
    public int Batch { get; init; }

    public required int Items { get; init; }

    /// <summary>Gets a value indicating whether this case is the workload's baseline.</summary>
    public bool IsBaseline { get; init; }

    public required Func<CancellationToken, Task<Sample>> Run { get; init; }

    /// <summary>Gets what runs once, untimed, before the first round (worker processes JIT-compile the work there).</summary>
    public Func<CancellationToken, Task>? WarmUp { get; init; }

    public List<double> Seconds { get; } = [];

    public List<double> Values { get; } = [];

    public List<string> Problems { get; } = [];

    public bool Failed => Problems.Count > 0 || Seconds.Count == 0;

    public double Median => Middle(Seconds);

    public double? Value => Values.Count == 0 ? null : Middle(Values);

    public double Throughput => Items / Median;

    public double PerItemNanoseconds => Median * 1e9 / Items;

    public string RuntimeName => Runtime == Runtime.DotNet ? ".NET" : "Python";

    public string Label => string.Create(CultureInfo.InvariantCulture,
        $"{RuntimeName} {Approach}{(Concurrency > 1 || Family is Family.Threads or Family.Processes or Family.Async ? $" ×{Concurrency}" : string.Empty)}{(Setting.Length > 0 ? $" ({Setting})" : string.Empty)}");

    /// <summary>Gets the key a .NET case and its Python counterpart share.</summary>
    public string PairKey => string.Create(CultureInfo.InvariantCulture, $"{Family}:{Concurrency}:{Batch}");

    /// <summary>Gets the spread of the rounds, e.g. "0.51–0.55".</summary>
    public string Range => Seconds.Count < 2 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{Format(Seconds.Min())}–{Format(Seconds.Max())}");

    public static double Middle(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static string Format(double seconds) => seconds switch
    {
        >= 10 => seconds.ToString("F1", CultureInfo.InvariantCulture),
        >= 0.1 => seconds.ToString("F2", CultureInfo.InvariantCulture),
        _ => seconds.ToString("F3", CultureInfo.InvariantCulture),
    };
}

/// <summary>How a workload's figure is read.</summary>
internal enum Measure
{
    /// <summary>Items per second; the ratio is a speedup over the baseline (higher is better).</summary>
    Throughput,

    /// <summary>Nanoseconds per item; the ratio is the baseline's cost over the case's (higher is better).</summary>
    PerItem,

    /// <summary>Bytes per pending item (lower is better).</summary>
    Memory,
}

/// <summary>A workload: its cases, what it shows, how it is read.</summary>
/// <param name="Name">Its short name (file names, --only).</param>
/// <param name="Title">What runs.</param>
/// <param name="Measure">How its figure is read.</param>
/// <param name="Cases">Its cases, in the order a round runs them.</param>
/// <param name="Ideal">The best time possible for a case (I/O: one latency per wave of requests), or <see langword="null"/>.</param>
/// <param name="Note">What the reader should know.</param>
internal sealed record Workload(string Name, string Title, Measure Measure, List<BenchCase> Cases, Func<BenchCase, double?>? Ideal = null, string Note = "")
{
    public BenchCase Baseline(Runtime runtime) => Cases.FirstOrDefault(c => c.IsBaseline && c.Runtime == runtime && !c.Failed) ?? Cases.First(c => c.IsBaseline);

    public BenchCase? Counterpart(BenchCase dotnet) =>
        dotnet.Runtime == Runtime.DotNet ? Cases.FirstOrDefault(c => c.Runtime == Runtime.Python && c.PairKey == dotnet.PairKey && !c.Failed) : null;
}
