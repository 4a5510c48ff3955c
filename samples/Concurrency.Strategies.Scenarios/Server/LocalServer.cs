using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Scenarios.Server;

/// <summary>
/// A Kestrel server on 127.0.0.1 and a free port, started by the demo, the benchmarks and the tests themselves:
/// <c>/images/{n}.jpg</c> (generated JPEGs) and <c>/pages/{n}</c> (5–20 KB HTML), each after a fixed latency, with a
/// share of requests answered HTTP 503 so that retries matter.
/// </summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Lazy<byte[]>[] images;
    private byte[]?[] pages = [];
    private long requests;
    private long faults;

    private LocalServer(WebApplication app, LocalServerOptions options, Uri baseAddress)
    {
        this.app = app;
        Options = options;
        BaseAddress = baseAddress;
        images = Enumerable.Range(0, options.DistinctImages)
            .Select(n => new Lazy<byte[]>(() => ImageFactory.Jpeg(n, options.ImageWidth, options.ImageHeight)))
            .ToArray();
    }

    /// <summary>Gets the server's options.</summary>
    public LocalServerOptions Options { get; }

    /// <summary>Gets the address the server listens on, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets how many requests the server has answered or is answering.</summary>
    public long Requests => Interlocked.Read(ref requests);

    /// <summary>Gets how many of them were answered with an injected HTTP 503.</summary>
    public long FaultsInjected => Interlocked.Read(ref faults);

    /// <summary>Starts a server.</summary>
    /// <param name="options">Its behaviour; <see langword="null"/> for the defaults (50 ms, 2% faults, 1920×1080 images).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server; dispose it to stop it.</returns>
    public static async Task<LocalServer> StartAsync(LocalServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalServerOptions();
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = null;
        });
        var app = builder.Build();

        // Kestrel listens before StartAsync returns (and the port is only known then): a request that comes in that
        // early waits for the server object instead of finding none.
        var ready = new TaskCompletionSource<LocalServer>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Run(async context => await (await ready.Task).HandleAsync(context));
        try
        {
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var server = new LocalServer(app, options, new Uri(address.EndsWith('/') ? address : address + "/"));
            ready.SetResult(server);
            return server;
        }
        catch
        {
            ready.TrySetCanceled(CancellationToken.None);
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>The bytes the server sends for image <paramref name="id"/> (drawn on first use).</summary>
    /// <param name="id">The image number.</param>
    /// <returns>The JPEG.</returns>
    public ReadOnlyMemory<byte> Image(int id) => images[id % images.Length].Value;

    /// <summary>Draws every distinct image now, so that the first requests do not pay for it.</summary>
    public void PrepareImages()
    {
        Parallel.For(0, images.Length, n => _ = images[n].Value);
    }

    /// <summary>
    /// Generates pages 0 to <paramref name="count"/> − 1 now and keeps their bytes, so that serving them costs the
    /// server only the write (a real site serves pages it already has); other pages are generated per request.
    /// </summary>
    /// <param name="count">How many pages to keep.</param>
    public void PreparePages(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var cache = new byte[]?[count];
        Parallel.For(0, count, id => cache[id] = Encoding.UTF8.GetBytes(SiteContent.Page(id).Html));
        pages = cache;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref requests);
        var path = context.Request.Path.Value ?? string.Empty;
        if (Options.Latency > TimeSpan.Zero)
        {
            await Task.Delay(Options.Latency, context.RequestAborted);
        }

        if (IsFault(number))
        {
            Interlocked.Increment(ref faults);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "0";
            return;
        }

        if (TryNumber(path, "/images/", ".jpg", out var image))
        {
            var bytes = Image(image);
            context.Response.ContentType = "image/jpeg";
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        else if (TryNumber(path, "/pages/", string.Empty, out var page))
        {
            var cache = pages;
            var bytes = page < cache.Length && cache[page] is { } kept ? kept : Encoding.UTF8.GetBytes(SiteContent.Page(page).Html);
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    // A deterministic sequence: request number n faults when a hash of (seed, n) falls below the rate.
    private bool IsFault(long number)
    {
        if (Options.FaultRate <= 0)
        {
            return false;
        }

        var x = unchecked((ulong)number + ((ulong)Options.Seed * 0x9E3779B97F4A7C15UL));
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53)) < Options.FaultRate;
    }

    private static bool TryNumber(string path, string prefix, string suffix, out int number)
    {
        number = 0;
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !path.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }

        var digits = path.AsSpan(prefix.Length, path.Length - prefix.Length - suffix.Length);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }
}
