using Concurrency.Strategies.Selection;

namespace Concurrency.Strategies.Scenarios;

/// <summary>One measured run of a scenario: a strategy at a concurrency, timed, then verified.</summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="Strategy">What ran it, e.g. "ThreadStrategy" or "serial loop" or "Pipeline Async→Thread→Async".</param>
/// <param name="Variant">How the work was done, e.g. "blocking client".</param>
/// <param name="Concurrency">Items in flight at most (per stage for a pipeline: "100/2/100").</param>
/// <param name="Items">Items run.</param>
/// <param name="Wall">Wall-clock time of the run.</param>
/// <param name="Cpu">CPU time this process (which also hosts the local server) and its worker processes used during the run.</param>
/// <param name="PeakMemoryBytes">Peak resident memory during the run: this process (with the server's cached pages and images), plus the sum of the worker processes' peaks for the process strategy.</param>
/// <param name="Failures">Items whose outcome is an error (after retries).</param>
/// <param name="Retries">Retries the resilience pipeline made, or <see langword="null"/> when the run has none (local CPU work).</param>
/// <param name="Problems">What verification found wrong: lost, duplicated or wrong items, failures.</param>
/// <param name="IsGuidePick">Whether this is the decision guide's pick.</param>
public sealed record RunResult(
    string Scenario, string Strategy, string Variant, string Concurrency, int Items, TimeSpan Wall, TimeSpan Cpu,
    long PeakMemoryBytes, int Failures, long? Retries, IReadOnlyList<string> Problems, bool IsGuidePick)
{
    /// <summary>Gets items per second.</summary>
    public double ItemsPerSecond => Items / Math.Max(Wall.TotalSeconds, 1e-9);

    /// <summary>Gets a value indicating whether every item was verified.</summary>
    public bool Verified => Problems.Count == 0;
}

/// <summary>A scenario's runs and the guide's pick for it.</summary>
/// <param name="Name">The scenario's name (download, resize, scrape, mixed).</param>
/// <param name="Title">A one-line description.</param>
/// <param name="Profile">The workload profile given to the guide.</param>
/// <param name="Pick">The guide's recommendation, with reasons.</param>
/// <param name="Runs">The measured runs.</param>
public sealed record ScenarioReport(string Name, string Title, WorkloadProfile Profile, StrategyRecommendation Pick, IReadOnlyList<RunResult> Runs);

/// <summary>Follows the scenarios as they run (the demo draws progress bars; tests pass nothing).</summary>
public interface IScenarioObserver
{
    /// <summary>A scenario starts.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="title">Its description.</param>
    /// <param name="pick">The guide's pick for it.</param>
    void ScenarioStarted(string name, string title, StrategyRecommendation pick);

    /// <summary>A run starts; the returned sink receives its progress.</summary>
    /// <param name="label">What runs, e.g. "AsyncStrategy ×100, async client".</param>
    /// <param name="items">How many items it runs.</param>
    /// <returns>Where to report progress.</returns>
    IProgress<RunProgress> RunStarted(string label, int items);

    /// <summary>A run finished and was verified.</summary>
    /// <param name="result">Its result.</param>
    void RunFinished(RunResult result);
}
