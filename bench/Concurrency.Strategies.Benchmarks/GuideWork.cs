using System.Net.Http;
using Concurrency.Strategies.Scenarios.Work;

namespace Concurrency.Strategies.Benchmarks;

/// <summary>
/// The guide matrix's work, as static methods so that every strategy can run it, worker processes included. The local
/// server's address reaches the workers through <see cref="ServerVariable"/> (they inherit the environment).
/// </summary>
internal static class GuideWork
{
    public const string ServerVariable = "CONCURRENCY_STRATEGIES_BENCH_SERVER";

    /// <summary>One client per process, with a connection per request in flight.</summary>
    private static readonly Lazy<SiteClient> Client = new(() =>
    {
        var address = Environment.GetEnvironmentVariable(ServerVariable)
            ?? throw new InvalidOperationException($"{ServerVariable} is not set: the guide matrix sets it to the local server's address.");
#pragma warning disable CA2000 // One client for the process's lifetime, as IHttpClientFactory would keep its handler.
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4_096, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(address),
            Timeout = TimeSpan.FromSeconds(60),
        };
#pragma warning restore CA2000
        return new SiteClient(http);
    });

    /// <summary>Gets this process's client for the local server (the scenario runner's work uses it too).</summary>
    public static SiteClient SharedClient => Client.Value;

    /// <summary>Fetches and scrapes a page with the blocking client.</summary>
    public static int ScrapeBlocking(int id) => Client.Value.Scrape(id).Words;

    /// <summary>Fetches and scrapes a page with the async client.</summary>
    public static async ValueTask<int> ScrapeAsync(int id, CancellationToken cancellationToken) =>
        (await Client.Value.ScrapeAsync(id, cancellationToken).ConfigureAwait(false)).Words;

    /// <summary>CPU work: counts primes below the item by trial division.</summary>
    public static int Primes(int limit) => ProcessHarness.CountPrimes(limit);

    /// <summary>CPU work that brings its process down for one item in a hundred, as native code with a bug would.</summary>
    public static int CrashProne(CrashItem item)
    {
        if (item.Index % 100 == 50)
        {
            Environment.FailFast($"Crash-prone item {item.Index}: simulated native crash.");
        }

        return ProcessHarness.CountPrimes(item.Limit);
    }

    /// <summary>The mixed workload's first stage: download an image.</summary>
    public static async ValueTask<ResizeRequest> DownloadAsync(int id, CancellationToken cancellationToken) =>
        new(id, await Client.Value.GetImageAsync(id, cancellationToken).ConfigureAwait(false), 800, 600);

    /// <summary>The mixed workload's second stage: resize it.</summary>
    public static int Resize(ResizeRequest request) => ImageResizer.ResizeInMemory(request).Jpeg.Length;

    /// <summary>Both steps in one blocking call (for threads and processes).</summary>
    public static int DownloadAndResizeBlocking(int id) => Resize(new ResizeRequest(id, Client.Value.GetImage(id), 800, 600));

    /// <summary>Both steps in one async call (for the async strategy: the resize then runs on a pool thread).</summary>
    public static async ValueTask<int> DownloadAndResizeAsync(int id, CancellationToken cancellationToken) =>
        Resize(await DownloadAsync(id, cancellationToken).ConfigureAwait(false));
}

/// <summary>An item of the crash-prone workload.</summary>
/// <param name="Index">Its number (one in a hundred crashes).</param>
/// <param name="Limit">Its CPU work.</param>
internal sealed record CrashItem(int Index, int Limit);
