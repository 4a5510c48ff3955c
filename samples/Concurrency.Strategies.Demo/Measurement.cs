namespace Concurrency.Strategies.Demo;

/// <summary>One row of a workload's table: a run, its wall time, and whatever its checks found wrong.</summary>
/// <param name="Strategy">"serial" or the strategy's type name.</param>
/// <param name="Work">How the work waits or computes, e.g. "blocking Thread.Sleep".</param>
/// <param name="Concurrency">Items in flight at most.</param>
/// <param name="Items">Items run (and timed).</param>
/// <param name="Wall">Wall-clock time of the run.</param>
/// <param name="Failures">Outcomes that hold an error.</param>
/// <param name="Problems">What the checks found wrong; empty when the run is verified.</param>
internal sealed record Measurement(
    string Strategy, string Work, int Concurrency, int Items, TimeSpan Wall, int Failures, IReadOnlyList<string> Problems)
{
    // Throughput, not wall time, is what compares runs of different sizes (the sampled serial baseline).
    public double ItemsPerSecond => Items / Math.Max(Wall.TotalSeconds, double.Epsilon);
}
