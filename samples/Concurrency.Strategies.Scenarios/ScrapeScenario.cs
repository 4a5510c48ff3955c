using Concurrency.Strategies.Scenarios.Server;
using Concurrency.Strategies.Scenarios.Work;
using Concurrency.Strategies.Selection;

namespace Concurrency.Strategies.Scenarios;

/// <summary>
/// The explainer's third scenario: scrape many pages (fetch, extract the title and the links, count the words), I/O at
/// scale. Threads with the blocking client at the guide's thread cap, and the async strategy at 100 and at the guide's
/// pick. Every page's title, link count and word count must match what the server generated.
/// </summary>
public static class ScrapeScenario
{
    /// <summary>The scenario's name on the command line.</summary>
    public const string Name = "scrape";

    /// <summary>Runs the scenario.</summary>
    /// <param name="host">The server, strategies and client.</param>
    /// <param name="observer">Follows the runs.</param>
    /// <param name="cancellationToken">Cancels the runs.</param>
    /// <returns>The report.</returns>
    public static async Task<ScenarioReport> RunAsync(ScenarioHost host, IScenarioObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var count = host.Sizes.Pages;
        var title = $"Scrape {count:N0} pages of 5-20 KB ({host.Sizes.Latency.TotalMilliseconds:0} ms latency): title, links, word count";
        var profile = new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = count };
        var pick = host.Selector.Explain(profile);
        observer?.ScenarioStarted(Name, title, pick);

        var ids = Enumerable.Range(0, count).ToArray();
        var client = host.Client();
        var runs = new List<RunResult>();

        // Blocking calls need a thread each: the guide's cap for them.
        var threads = DecisionGuide.Recommend(profile with { BlockingApi = true }).MaxConcurrency;
        runs.Add(await Spec("ThreadStrategy", "blocking client", $"{threads}", false).MeasureAsync(
            observer, null, (retries, progress, ct) => StrategyRuns.Run(host.Strategy(StrategyKind.Thread), ids, client.Scrape, threads, retries, progress, ct), Check, cancellationToken));

        var asyncStrategy = host.Strategy(StrategyKind.Async);
        var modest = Math.Min(count, DecisionGuide.DefaultAsyncInFlight);
        runs.Add(await Spec("AsyncStrategy", "async client", $"{modest}", false).MeasureAsync(
            observer, null, (retries, progress, ct) => StrategyRuns.RunAsync(asyncStrategy, ids, client.ScrapeAsync, retries, progress, ct, modest), Check, cancellationToken));

        var picked = host.Selector.Select(profile);
        runs.Add(await Spec(picked.Kind + "Strategy", "async client", $"{picked.MaxConcurrency}", true).MeasureAsync(
            observer, null, (retries, progress, ct) => StrategyRuns.RunAsync(picked, ids, client.ScrapeAsync, retries, progress, ct), Check, cancellationToken));
        return new ScenarioReport(Name, title, profile, pick, runs);

        RunSpec Spec(string strategy, string variant, string concurrency, bool isPick) => new(Name, strategy, variant, concurrency, count, isPick);
    }

    private static string? Check(long index, PageSummary page)
    {
        var truth = SiteContent.Page(page.Id).Truth;
        if (page.Id != index)
        {
            return $"the summary is of page {page.Id}";
        }

        return page.Title == truth.Title && page.Links == truth.Links && page.Words == truth.Words
            ? null
            : $"scraped \"{page.Title}\", {page.Links} links, {page.Words} words; the server generated \"{truth.Title}\", {truth.Links} links, {truth.Words} words";
    }
}
