// A silo that runs ClusterStrategy work items: the smallest deployment of Concurrency.Strategies.Orleans.
//
//   dotnet run --project samples/Concurrency.Strategies.Silo -c Release -- --instance 0   (the first silo, the primary)
//   dotnet run --project samples/Concurrency.Strategies.Silo -c Release -- --instance 1   (more silos join it)
//
// Localhost clustering (development): silo i listens on silo port 11111+i and gateway port 30000+i, and silo 0 keeps
// the membership. A client connects with services.AddConcurrencyStrategies().AddOrleansCluster() (gateway 30000), or
// lists the gateways: AddOrleansCluster(configureClient: c => c.UseLocalhostClustering([30000, 30001, 30002])).
// In production, replace UseLocalhostClustering with a clustering provider (UseAdoNetClustering, UseRedisClustering,
// UseAzureStorageClustering, Kubernetes hosting, ...) and deploy the assemblies that hold the work with every silo.
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var instance = IntOption("--instance", 0);
var siloBase = IntOption("--silo-port", 11111);
var gatewayBase = IntOption("--gateway-port", 30000);
var exitWithParent = args.Contains("--exit-on-stdin-close");

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(
        siloPort: siloBase + instance,
        gatewayPort: gatewayBase + instance,
        primarySiloEndpoint: new IPEndPoint(IPAddress.Loopback, siloBase));
    silo.AddConcurrencyStrategiesWorkers();
});

using var host = builder.Build();
await host.StartAsync();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"silo {instance} ready: silo port {siloBase + instance}, gateway port {gatewayBase + instance}"));

if (exitWithParent)
{
    // Started by another program (the cluster benchmark): stop when it closes our stdin or dies.
    _ = Task.Run(async () =>
    {
        await Console.In.ReadToEndAsync();
        await host.StopAsync();
    });
}

await host.WaitForShutdownAsync();
return 0;

int IntOption(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
