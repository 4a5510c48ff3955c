namespace Concurrency.Strategies.Demo;

/// <summary>A workload's results: the serial baseline first, then one row per strategy run.</summary>
/// <param name="Name">A short name, e.g. "(a) Blocking I/O".</param>
/// <param name="Description">What the workload does and how big it is.</param>
/// <param name="Why">One line on why the numbers come out the way they do.</param>
/// <param name="Rows">The runs; the first is the serial baseline that speedups are measured against.</param>
internal sealed record WorkloadReport(string Name, string Description, string Why, IReadOnlyList<Measurement> Rows)
{
    public Measurement Baseline => Rows[0];

    public IEnumerable<string> Problems =>
        Rows.SelectMany(row => row.Problems.Select(problem => $"{Name}, {row.Strategy} ({row.Work}): {problem}"));
}
