namespace Concurrency.Strategies.Scenarios;

/// <summary>Every scenario by name, in the order the demo runs them.</summary>
public static class ScenarioCatalog
{
    /// <summary>Gets the scenarios: name, what it shows, and how to run it.</summary>
    public static IReadOnlyList<(string Name, string Summary, Func<ScenarioHost, IScenarioObserver?, CancellationToken, Task<ScenarioReport>> Run)> All { get; } =
    [
        (DownloadScenario.Name, "download images: I/O, blocking and async clients", DownloadScenario.RunAsync),
        (ResizeScenario.Name, "resize JPEGs: CPU, threads vs processes", ResizeScenario.RunAsync),
        (ScrapeScenario.Name, "scrape pages: I/O at scale", ScrapeScenario.RunAsync),
        (MixedScenario.Name, "download, resize, save: a staged pipeline", MixedScenario.RunAsync),
    ];
}
