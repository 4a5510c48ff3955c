using Orleans.Hosting;
using Orleans.TestingHost;

namespace Concurrency.Strategies.Tests.Cluster;

/// <summary>
/// A real Orleans cluster of three in-process silos (Orleans.TestingHost), started once for the tests of the
/// <see cref="ClusterTestGroup"/>: each silo has its own gateway and membership, and silos and client talk over TCP
/// sockets on localhost.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int Silos = 3;

    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public IClusterClient Client => Cluster.Client;

    public Task InitializeAsync() => StartAsync(Silos).ContinueWith(t => _cluster = t.Result, TaskScheduler.Default);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts a cluster of <paramref name="silos"/> silos set up with <c>AddConcurrencyStrategiesWorkers()</c>. Started
    /// with the caller's execution context suppressed, so no silo thread inherits a test's async-local state (its
    /// <see cref="Support.Board"/>): silo work finds the board through <see cref="Support.Board.Ambient"/>.
    /// </summary>
    public static Task<TestCluster> StartAsync(int silos, bool withWorkers = true)
    {
        using (ExecutionContext.SuppressFlow())
        {
            return Task.Run(async () =>
            {
                var builder = new TestClusterBuilder((short)silos);

                // Real sockets on localhost between silos and to the client (the test host's default is in-memory).
                builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
                if (withWorkers)
                {
                    builder.AddSiloBuilderConfigurator<WorkerSilo>();
                }

                builder.AddSiloBuilderConfigurator<FastFailureDetection>();
                builder.AddClientBuilderConfigurator<FastGatewayRefresh>();
                var cluster = builder.Build();
                await cluster.DeployAsync();
                return cluster;
            });
        }
    }

    private sealed class WorkerSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddConcurrencyStrategiesWorkers();
    }

    /// <summary>Declares a killed silo dead within seconds (the defaults take about a minute), as a test can wait for.</summary>
    private sealed class FastFailureDetection : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.Configure<global::Orleans.Configuration.ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
        });
    }

    private sealed class FastGatewayRefresh : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<global::Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
    }
}

/// <summary>
/// The tests that run work on in-process silos. One collection, so they run one after another: silo threads find the
/// test's board through the process-wide <see cref="Support.Board.Ambient"/>, which only one test may set at a time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterTestGroup : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Orleans cluster";
}

/// <summary>
/// A test class on the shared cluster: its own board, which silo-side work reaches through
/// <see cref="Support.Board.Ambient"/> (the tests of the group run one at a time).
/// </summary>
public abstract class ClusterTestBase : IDisposable
{
    private readonly Support.Board _board;

    protected ClusterTestBase(ClusterFixture fixture)
    {
        Fixture = fixture;
        _board = Support.Board.Create();
        Support.Board.Ambient = _board;
    }

    public ClusterFixture Fixture { get; }

    public void Dispose()
    {
        _board.Dispose();
        GC.SuppressFinalize(this);
    }
}
