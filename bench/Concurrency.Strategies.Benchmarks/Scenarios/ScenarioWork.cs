using Concurrency.Strategies.Scenarios.Work;

namespace Concurrency.Strategies.Benchmarks.Scenarios;

/// <summary>An image to download into a folder (an item the worker processes can receive as JSON).</summary>
/// <param name="Id">The image number.</param>
/// <param name="Folder">Where to save it.</param>
internal sealed record DownloadJob(int Id, string Folder);

/// <summary>
/// The scenario runner's work as static methods, so every strategy runs the same code, worker processes included (they
/// reach the local server through <see cref="GuideWork.ServerVariable"/>, as the guide matrix's workers do).
/// </summary>
internal static class ScenarioWork
{
    /// <summary>Downloads an image with the blocking client and saves it; returns its length.</summary>
    public static long Download(DownloadJob job)
    {
        var bytes = GuideWork.SharedClient.GetImage(job.Id);
        File.WriteAllBytes(Path.Combine(job.Folder, $"{job.Id}.jpg"), bytes);
        return bytes.Length;
    }

    /// <summary>Downloads an image with the async client and saves it; returns its length.</summary>
    public static async ValueTask<long> DownloadAsync(DownloadJob job, CancellationToken cancellationToken)
    {
        var bytes = await GuideWork.SharedClient.GetImageAsync(job.Id, cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(job.Folder, $"{job.Id}.jpg"), bytes, cancellationToken).ConfigureAwait(false);
        return bytes.Length;
    }

    /// <summary>Scrapes a page with the blocking client.</summary>
    public static PageSummary Scrape(int id) => GuideWork.SharedClient.Scrape(id);

    /// <summary>Scrapes a page with the async client.</summary>
    public static ValueTask<PageSummary> ScrapeAsync(int id, CancellationToken cancellationToken) => GuideWork.SharedClient.ScrapeAsync(id, cancellationToken);

    /// <summary>Resizes a file to 800×600 (the demo's resize, unchanged); returns the bytes written.</summary>
    public static long Resize(ResizeJob job) => ImageResizer.ResizeFile(job, CancellationToken.None).Bytes;

    /// <summary>CPU work: the primes below <paramref name="limit"/> by trial division (the Python script's algorithm).</summary>
    public static int Primes(int limit) => ProcessHarness.CountPrimes(limit);

    /// <summary>The trivial item: all hand-off, no work.</summary>
    public static long AddOne(int x) => x + 1L;
}
