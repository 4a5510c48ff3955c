using System.Net.Http;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Scenarios.Server;
using Concurrency.Strategies.Scenarios.Work;
using Concurrency.Strategies.Selection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Scenarios;

/// <summary>
/// Everything a scenario runs on, wired as an app would: the local server, <c>services.AddConcurrencyStrategies()</c>,
/// an <c>IHttpClientFactory</c> client for the server, the guide's <see cref="IStrategySelector"/>, and a temporary
/// directory for the files (deleted on dispose).
/// </summary>
public sealed class ScenarioHost : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private ScenarioHost(LocalServer server, ServiceProvider services, ScenarioSizes sizes, string directory)
    {
        Server = server;
        this.services = services;
        Sizes = sizes;
        WorkDirectory = directory;
    }

    /// <summary>Gets the local server.</summary>
    public LocalServer Server { get; }

    /// <summary>Gets the sizes the scenarios run at.</summary>
    public ScenarioSizes Sizes { get; }

    /// <summary>Gets the directory the scenarios write their files into.</summary>
    public string WorkDirectory { get; }

    /// <summary>Gets the container (the strategies, the selector, the HTTP client factory).</summary>
    public IServiceProvider Services => services;

    /// <summary>Gets the guide's selector, as registered by <c>AddConcurrencyStrategies()</c>.</summary>
    public IStrategySelector Selector => services.GetRequiredService<IStrategySelector>();

    /// <summary>Gets the registered process strategy.</summary>
    public ProcessStrategy Processes => services.GetRequiredService<ProcessStrategy>();

    /// <summary>Starts the server and the container.</summary>
    /// <param name="sizes">The scenario sizes (they set the server's latency and image size).</param>
    /// <param name="faultRate">The share of requests the server answers with HTTP 503.</param>
    /// <param name="logging">Adds logging providers; <see langword="null"/> logs nothing (warnings and up when given).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The host; dispose it to stop the worker processes and the server and to delete the files.</returns>
    public static async Task<ScenarioHost> StartAsync(ScenarioSizes sizes, double faultRate = 0.02, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        var server = await LocalServer.StartAsync(
            new LocalServerOptions { Latency = sizes.Latency, FaultRate = faultRate, ImageWidth = sizes.SourceWidth, ImageHeight = sizes.SourceHeight },
            cancellationToken);
        ServiceProvider? provider = null;
        try
        {
            server.PrepareImages();
            server.PreparePages(sizes.Pages);

            var collection = new ServiceCollection();
            collection.AddLogging(builder =>
            {
                builder.SetMinimumLevel(LogLevel.Warning);
                logging?.Invoke(builder);
            });
            collection.AddConcurrencyStrategies(options =>
            {
                options.Thread.MaxConcurrency = Environment.ProcessorCount;
                options.Async.MaxConcurrency = DecisionGuide.MaxAsyncInFlight;
                options.Process.WorkerCount = Environment.ProcessorCount;
            });
            collection.AddHttpClient(SiteClient.HttpClientName, client =>
                {
                    client.BaseAddress = server.BaseAddress;
                    client.Timeout = TimeSpan.FromSeconds(30);
                })
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
                {
                    // Keep-alive connections, one per request in flight: loopback has no per-host limit worth keeping.
                    MaxConnectionsPerServer = 4_096,
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                });
            collection.AddTransient(sp => new SiteClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(SiteClient.HttpClientName)));
            provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
            var directory = Directory.CreateTempSubdirectory("concurrency-strategies-scenarios-").FullName;
            return new ScenarioHost(server, provider, sizes, directory);
        }
        catch
        {
            if (provider is not null)
            {
                await provider.DisposeAsync();
            }

            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Gets the keyed strategy registered for <paramref name="kind"/>.</summary>
    /// <param name="kind">The strategy kind.</param>
    /// <returns>The container's strategy.</returns>
    public IExecutionStrategy Strategy(StrategyKind kind) => services.GetRequiredKeyedService<IExecutionStrategy>(kind);

    /// <summary>Gets a client for the local server from <c>IHttpClientFactory</c>.</summary>
    /// <returns>The client.</returns>
    public SiteClient Client() => services.GetRequiredService<SiteClient>();

    /// <summary>Creates a fresh, empty directory for one run's files.</summary>
    /// <param name="name">Its name.</param>
    /// <returns>Its path.</returns>
    public string RunDirectory(string name)
    {
        var path = Path.Combine(WorkDirectory, name);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        return Directory.CreateDirectory(path).FullName;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        // The container disposes the strategies: every worker thread and process stops before the server does. Each
        // step runs even when an earlier one throws.
        try
        {
            await services.DisposeAsync();
        }
        finally
        {
            try
            {
                await Server.DisposeAsync();
            }
            finally
            {
                try
                {
                    Directory.Delete(WorkDirectory, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A file still open elsewhere: the system's temp cleaning removes the directory later.
                }
            }
        }
    }
}
