using Concurrency.Strategies.Orleans;
using Concurrency.Strategies.Selection;
using Concurrency.Strategies.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Hosting;

namespace Concurrency.Strategies.Tests.Cluster;

/// <summary><c>AddOrleansCluster()</c>: the client it adds (or reuses), options from configuration, and a host that picks the cluster through the guide.</summary>
[Collection(ClusterTestGroup.Name)]
public sealed class AddOrleansClusterTests(ClusterFixture fixture) : ClusterTestBase(fixture)
{
    [Fact]
    public async Task AddOrleansCluster_AppWithoutOrleans_AddsALocalhostClientAndTheStrategy()
    {
        var services = new ServiceCollection().AddConcurrencyStrategies().AddOrleansCluster(o => o.MaxConcurrency = 24);
        await using var provider = services.BuildServiceProvider();

        services.Should().Contain(d => d.ServiceType == typeof(IClusterClient));
        var gateways = provider.GetRequiredService<IOptions<global::Orleans.Configuration.StaticGatewayListProviderOptions>>().Value.Gateways;
        gateways.Should().ContainSingle().Which.Port.Should().Be(30000, "localhost clustering is the development default");
        var strategy = provider.GetRequiredService<ClusterStrategy>();
        strategy.MaxConcurrency.Should().Be(24);
        provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Cluster).Should().BeSameAs(strategy);
    }

    [Fact]
    public void AddOrleansCluster_ClientConfigurationWhenTheAppHasAClient_ThrowsSayingToPassNull()
    {
        var services = new ServiceCollection();
        services.AddOrleansClient(client => client.UseLocalhostClustering());

        FluentActions.Invoking(() => services.AddOrleansCluster(configureClient: client => client.UseLocalhostClustering(gatewayPort: 30001)))
            .Should().Throw<InvalidOperationException>().Which.Message.Should().Contain("configureClient: null");
    }

    [Fact]
    public async Task AddOrleansCluster_AppWithAClient_UsesItsGrainFactory()
    {
        var services = new ServiceCollection();
        services.AddOrleansClient(client => client.UseLocalhostClustering());
        services.AddConcurrencyStrategies().AddOrleansCluster();
        await using var provider = services.BuildServiceProvider();

        services.Count(d => d.ServiceType == typeof(IClusterClient)).Should().Be(1, "no second client is added");
        provider.GetRequiredService<ClusterStrategy>().MaxConcurrency.Should().Be(ClusterStrategyOptions.DefaultMaxConcurrency);
    }

    [Fact]
    public async Task AddOrleansCluster_InvalidConfiguration_FailsNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConcurrencyStrategies:Cluster:MaxConcurrency"] = "0",
            ["ConcurrencyStrategies:Cluster:SiloFailureRetries"] = "3",
        }).Build();
        var services = new ServiceCollection().AddConcurrencyStrategies().AddOrleansCluster(configuration.GetSection("ConcurrencyStrategies:Cluster"));
        await using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<ClusterStrategy>()).Should().Throw<OptionsValidationException>()
            .Which.Message.Should().Contain("ConcurrencyStrategies:Cluster:MaxConcurrency");
    }

    [Fact]
    public async Task AddOrleansCluster_InvalidOptionInTheCallback_FailsNamingTheOption()
    {
        var services = new ServiceCollection().AddConcurrencyStrategies().AddOrleansCluster(o => o.SiloFailureRetries = 99);
        await using var provider = services.BuildServiceProvider();

        FluentActions.Invoking(() => provider.GetRequiredService<ClusterStrategy>()).Should().Throw<OptionsValidationException>()
            .Which.Message.Should().Contain("ClusterStrategyOptions.SiloFailureRetries");
    }

    [Fact]
    public async Task Host_WithAClusterThreshold_SelectorPicksTheClusterAndRunsOnIt()
    {
        var gateways = Fixture.Cluster.GetActiveSilos().Select(s => s.GatewayAddress.Endpoint).ToArray();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddConcurrencyStrategies().AddOrleansCluster(
            o => o.MaxConcurrency = 6,
            client => client
                .UseStaticClustering(gateways)
                .Configure<global::Orleans.Configuration.ClusterOptions>(o =>
                {
                    o.ClusterId = Fixture.Cluster.Options.ClusterId;
                    o.ServiceId = Fixture.Cluster.Options.ServiceId;
                }));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var selector = host.Services.GetRequiredService<IStrategySelector>();
            var profile = new WorkloadProfile
            {
                Kind = WorkloadKind.CpuBound,
                TaskCount = 100_000,
                TypicalItemDuration = TimeSpan.FromSeconds(1),
                ClusterThreshold = TimeSpan.FromMinutes(5),
                ClusterCores = 6,
            };

            var strategy = selector.Select(profile);
            var results = await strategy.MapAsync(Enumerable.Range(0, 50), static x => x * x).CollectAsync();

            strategy.Kind.Should().Be(StrategyKind.Cluster);
            strategy.MaxConcurrency.Should().Be(6);
            results.Should().Equal(Enumerable.Range(0, 50).Select(x => x * x));
            host.Services.GetRequiredService<ClusterStrategy>().ItemsBySilo.Values.Sum().Should().Be(50);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
