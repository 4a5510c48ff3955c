using System.Net;
using System.Net.Http;

namespace Concurrency.Strategies.Scenarios.Work;

/// <summary>
/// The scenarios' HTTP calls, each in a blocking form (for threads, as with Python's <c>requests</c>) and an async
/// form (for the async strategy, as with <c>aiohttp</c>). The <see cref="HttpClient"/> comes from
/// <c>IHttpClientFactory</c>. A non-success status throws <see cref="HttpRequestException"/> with the status code,
/// which the resilience pipeline retries.
/// </summary>
/// <param name="http">A client whose base address is the local server.</param>
public sealed class SiteClient(HttpClient http)
{
    /// <summary>The name of the scenarios' client in <c>IHttpClientFactory</c>.</summary>
    public const string HttpClientName = "site";

    /// <summary>Downloads image <paramref name="id"/>, blocking the calling thread.</summary>
    /// <param name="id">The image number.</param>
    /// <param name="cancellationToken">Cancels the request (the blocking call returns early).</param>
    /// <returns>The JPEG.</returns>
    public byte[] GetImage(int id, CancellationToken cancellationToken = default) => GetBytes(ImagePath(id), cancellationToken);

    /// <summary>Downloads image <paramref name="id"/>.</summary>
    /// <param name="id">The image number.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The JPEG.</returns>
    public async ValueTask<byte[]> GetImageAsync(int id, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(ImagePath(id), HttpCompletionOption.ResponseContentRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>Fetches page <paramref name="id"/> and scrapes it, blocking the calling thread.</summary>
    /// <param name="id">The page number.</param>
    /// <param name="cancellationToken">Cancels the request (the blocking call returns early).</param>
    /// <returns>What the page holds.</returns>
    public PageSummary Scrape(int id, CancellationToken cancellationToken = default) =>
        PageParser.Parse(id, System.Text.Encoding.UTF8.GetString(GetBytes(PagePath(id), cancellationToken)));

    /// <summary>Fetches page <paramref name="id"/> and scrapes it.</summary>
    /// <param name="id">The page number.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>What the page holds.</returns>
    public async ValueTask<PageSummary> ScrapeAsync(int id, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(PagePath(id), HttpCompletionOption.ResponseContentRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        return PageParser.Parse(id, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>The relative address of image <paramref name="id"/>.</summary>
    /// <param name="id">The image number.</param>
    /// <returns>The path.</returns>
    public static Uri ImagePath(int id) => new($"images/{id}.jpg", UriKind.Relative);

    /// <summary>The relative address of page <paramref name="id"/>.</summary>
    /// <param name="id">The page number.</param>
    /// <returns>The path.</returns>
    public static Uri PagePath(int id) => new($"pages/{id}", UriKind.Relative);

    private byte[] GetBytes(Uri path, CancellationToken cancellationToken)
    {
        // HttpClient.Send is the synchronous API: it blocks this thread for the whole request, as requests.get does.
        // With a token, the resilience pipeline's attempt timeout and the run's cancellation still end it.
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = http.Send(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {path} answered {(int)response.StatusCode} {response.StatusCode}.", null, response.StatusCode);
        }

        using var body = response.Content.ReadAsStream(cancellationToken);
        using var copy = new MemoryStream(response.Content.Headers.ContentLength is { } length ? (int)length : 16 * 1024);
        body.CopyTo(copy);
        return copy.ToArray();
    }
}
