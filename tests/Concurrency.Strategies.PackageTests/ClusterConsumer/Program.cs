// The package check for Concurrency.Strategies.Orleans: an app that references the package (not the project) hosts a
// silo with the workers and, in the same host, the ClusterStrategy from AddOrleansCluster(); it runs a static method
// of its own on the silo and checks every outcome. Exit code 0 when all is well.
using System.Net;
using System.Net.Sockets;
using Concurrency.Strategies;
using Concurrency.Strategies.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo => silo
    .UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort())
    .AddConcurrencyStrategiesWorkers());
builder.Services.AddConcurrencyStrategies().AddOrleansCluster(o => o.MaxConcurrency = 8);

using var host = builder.Build();
await host.StartAsync();
try
{
    var cluster = host.Services.GetRequiredService<ClusterStrategy>();
    var outcomes = new List<ItemOutcome<int, string>>();
    await foreach (var outcome in cluster.RunAsync(Enumerable.Range(0, 200), Work.Describe))
    {
        outcomes.Add(outcome);
    }

    var wrong = outcomes.Where(o => !o.Succeeded || o.Result != Work.Describe(o.Item)).ToList();
    var indices = outcomes.Select(o => o.Index).Order().SequenceEqual(Enumerable.Range(0, 200).Select(i => (long)i));
    var failed = await cluster.InvokeAsync(-1, Work.Describe).ContinueWith(t => t.Exception?.InnerException);
    var remote = failed is Concurrency.Strategies.Processes.RemoteWorkException { RemoteType: "System.ArgumentOutOfRangeException" };
    Console.WriteLine($"cluster consumer: {outcomes.Count} outcomes, {wrong.Count} wrong, indices {(indices ? "complete" : "WRONG")}, remote error {(remote ? "as expected" : $"WRONG: {failed}")}; silos: {string.Join(", ", cluster.ItemsBySilo.Select(p => $"{p.Key}={p.Value}"))}");
    return wrong.Count == 0 && indices && remote ? 0 : 1;
}
finally
{
    await host.StopAsync();
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

/// <summary>The consumer's own work: a static method the silo finds by name.</summary>
internal static class Work
{
    public static string Describe(int x) =>
        x >= 0 ? $"item {x}: {x * x}" : throw new ArgumentOutOfRangeException(nameof(x), x, "Items must be zero or positive.");
}
