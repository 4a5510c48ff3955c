using Concurrency.Strategies.Scenarios.Work;
using Concurrency.Strategies.Selection;

namespace Concurrency.Strategies.Scenarios;

/// <summary>A downloaded image on disk.</summary>
/// <param name="Id">The image number.</param>
/// <param name="Path">Where it was saved.</param>
/// <param name="Bytes">Its length.</param>
public sealed record SavedImage(int Id, string Path, long Bytes);

/// <summary>
/// The explainer's first scenario: download images and save them, I/O-bound. A serial loop, threads with the blocking
/// client (as Python's ThreadPoolExecutor with <c>requests</c>), and the guide's pick, the async strategy with the
/// async client. Every file is checked: its length is the server's and it decodes to the server's size.
/// </summary>
public static class DownloadScenario
{
    /// <summary>The scenario's name on the command line.</summary>
    public const string Name = "download";

    /// <summary>Runs the scenario.</summary>
    /// <param name="host">The server, strategies and client.</param>
    /// <param name="observer">Follows the runs.</param>
    /// <param name="cancellationToken">Cancels the runs.</param>
    /// <returns>The report.</returns>
    public static async Task<ScenarioReport> RunAsync(ScenarioHost host, IScenarioObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var count = host.Sizes.Images;
        var title = $"Download {count} images ({host.Sizes.SourceWidth}x{host.Sizes.SourceHeight} JPEG, {host.Sizes.Latency.TotalMilliseconds:0} ms latency) and save them";
        var profile = new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = count };
        var pick = host.Selector.Explain(profile);
        observer?.ScenarioStarted(Name, title, pick);

        var ids = Enumerable.Range(0, count).ToArray();
        var client = host.Client();
        var runs = new List<RunResult>();
        var blocking = DecisionGuide.Recommend(profile with { BlockingApi = true });
        var number = 0;

        // The baseline: one request at a time on this thread.
        runs.Add(await Spec("serial loop", "blocking client", "1", false).MeasureAsync(
            observer, null, (retries, progress, ct) => RunSpec.SerialAsync(ids, SaveBlocking(client, Folder()), retries.CreatePipeline(StrategyRuns.AttemptTimeout), progress, ct),
            Check, cancellationToken));

        // Threads with the blocking client: fewer threads than images, then one per image (the guide's answer without an async API).
        foreach (var threads in new[] { Math.Min(8, count), blocking.MaxConcurrency }.Distinct())
        {
            runs.Add(await Spec("ThreadStrategy", "blocking client", $"{threads}", false).MeasureAsync(
                observer, null, (retries, progress, ct) => StrategyRuns.Run(host.Strategy(StrategyKind.Thread), ids, SaveBlocking(client, Folder()), threads, retries, progress, ct),
                Check, cancellationToken));
        }

        // The guide's pick, through the selector as an app would use it.
        var picked = host.Selector.Select(profile);
        runs.Add(await Spec(picked.Kind + "Strategy", "async client", $"{picked.MaxConcurrency}", true).MeasureAsync(
            observer, null, (retries, progress, ct) => StrategyRuns.RunAsync(picked, ids, SaveAsync(client, Folder()), retries, progress, ct),
            Check, cancellationToken));
        return new ScenarioReport(Name, title, profile, pick, runs);

        RunSpec Spec(string strategy, string variant, string concurrency, bool isPick) => new(Name, strategy, variant, concurrency, count, isPick);

        string Folder() => host.RunDirectory($"download-{++number}");

        string? Check(long index, SavedImage saved)
        {
            // The result must be this item's: its number and its file, holding exactly the server's bytes for it.
            if (saved.Id != index || Path.GetFileName(saved.Path) != $"{index}.jpg")
            {
                return $"the result is image {saved.Id} at {saved.Path}";
            }

            if (!File.Exists(saved.Path))
            {
                return $"{saved.Path} is missing";
            }

            var expected = host.Server.Image(saved.Id);
            var bytes = File.ReadAllBytes(saved.Path);
            if (bytes.Length != expected.Length || !bytes.AsSpan().SequenceEqual(expected.Span))
            {
                return $"{saved.Path} holds {bytes.Length} bytes that differ from the {expected.Length} the server sent";
            }

            return ImageResizer.Verify(bytes) is var (w, h) && w == host.Sizes.SourceWidth && h == host.Sizes.SourceHeight
                ? null
                : $"{saved.Path} does not decode to {host.Sizes.SourceWidth}x{host.Sizes.SourceHeight}";
        }
    }

    internal static Func<int, CancellationToken, SavedImage> SaveBlocking(SiteClient client, string folder) => (id, ct) =>
    {
        var bytes = client.GetImage(id, ct);
        var path = Path.Combine(folder, $"{id}.jpg");
        File.WriteAllBytes(path, bytes);
        return new SavedImage(id, path, bytes.Length);
    };

    internal static Func<int, CancellationToken, ValueTask<SavedImage>> SaveAsync(SiteClient client, string folder) => async (id, ct) =>
    {
        var bytes = await client.GetImageAsync(id, ct);
        var path = Path.Combine(folder, $"{id}.jpg");
        await File.WriteAllBytesAsync(path, bytes, ct);
        return new SavedImage(id, path, bytes.Length);
    };
}
