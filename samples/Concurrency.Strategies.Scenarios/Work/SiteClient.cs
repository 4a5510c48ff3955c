using System.Buffers;
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
    public PageSummary Scrape(int id, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, PagePath(id));
        using var response = http.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        ThrowUnlessSuccess(response, request.RequestUri!);
        using var body = response.Content.ReadAsStream(cancellationToken);
        var (buffer, length) = ReadPooled(body, response.Content.Headers.ContentLength);
        try
        {
            return PageParser.Parse(id, buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Fetches page <paramref name="id"/> and scrapes it.</summary>
    /// <param name="id">The page number.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>What the page holds.</returns>
    public async ValueTask<PageSummary> ScrapeAsync(int id, CancellationToken cancellationToken)
    {
        // Headers first, then the body straight into a pooled buffer, parsed as UTF-8: no per-page byte[] or string.
        using var response = await http.GetAsync(PagePath(id), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var (buffer, length) = await ReadPooledAsync(body, response.Content.Headers.ContentLength, cancellationToken);
        try
        {
            return PageParser.Parse(id, buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The relative address of image <paramref name="id"/>.</summary>
    /// <param name="id">The image number.</param>
    /// <returns>The path.</returns>
    public static Uri ImagePath(int id) => new($"images/{id}.jpg", UriKind.Relative);

    /// <summary>The relative address of page <paramref name="id"/>.</summary>
    /// <param name="id">The page number.</param>
    /// <returns>The path.</returns>
    public static Uri PagePath(int id) => new($"pages/{id}", UriKind.Relative);

    private static void ThrowUnlessSuccess(HttpResponseMessage response, Uri path)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {path} answered {(int)response.StatusCode} {response.StatusCode}.", null, response.StatusCode);
        }
    }

    // A body read into a rented buffer (the caller returns it): exactly Content-Length bytes, or growing when there is none.
    private static async ValueTask<(byte[] Buffer, int Length)> ReadPooledAsync(Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(contentLength is { } known ? (int)known : 16 * 1024);
        var length = 0;
        try
        {
            while (contentLength is not { } expected || length < expected)
            {
                buffer = RoomFor(buffer, length);
                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return CheckLength(buffer, length, contentLength);
    }

    private static (byte[] Buffer, int Length) ReadPooled(Stream body, long? contentLength)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(contentLength is { } known ? (int)known : 16 * 1024);
        var length = 0;
        try
        {
            while (contentLength is not { } expected || length < expected)
            {
                buffer = RoomFor(buffer, length);
                var read = body.Read(buffer.AsSpan(length));
                if (read == 0)
                {
                    break;
                }

                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return CheckLength(buffer, length, contentLength);
    }

    // A full rented buffer is swapped for one twice its size, holding the same bytes.
    private static byte[] RoomFor(byte[] buffer, int length)
    {
        if (length < buffer.Length)
        {
            return buffer;
        }

        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, length).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }

    private static (byte[] Buffer, int Length) CheckLength(byte[] buffer, int length, long? contentLength)
    {
        if (contentLength is { } expected && length != expected)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new HttpRequestException($"The response body ended after {length} of its {expected} bytes.");
        }

        return (buffer, length);
    }

    private byte[] GetBytes(Uri path, CancellationToken cancellationToken)
    {
        // HttpClient.Send is the synchronous API: it blocks this thread for the whole request, as requests.get does.
        // With a token, the resilience pipeline's attempt timeout and the run's cancellation still end it.
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = http.Send(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        ThrowUnlessSuccess(response, path);

        using var body = response.Content.ReadAsStream(cancellationToken);
        using var copy = new MemoryStream(response.Content.Headers.ContentLength is { } length ? (int)length : 16 * 1024);
        body.CopyTo(copy);
        return copy.ToArray();
    }
}
