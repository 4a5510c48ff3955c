using Concurrency.Strategies.Orleans;
using Concurrency.Strategies.Orleans.Grains;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Cluster;

/// <summary>What the cluster strategy adds to the contract: load spread over silos, errors, bad input, serialization.</summary>
[Collection(ClusterTestGroup.Name)]
public sealed class ClusterStrategyTests(ClusterFixture fixture) : ClusterTestBase(fixture)
{
    /// <summary>The registry of each silo of <paramref name="cluster"/>: what the silos themselves counted.</summary>
    internal static List<SiloWorkRegistry> Registries(TestCluster cluster) => cluster.GetActiveSilos().Select(Registry).ToList();

    /// <summary>The registry of one in-process silo: what it counted, and the items it is running now.</summary>
    internal static SiloWorkRegistry Registry(SiloHandle silo) =>
        ((InProcessSiloHandle)silo).SiloHost.Services.GetRequiredService<SiloWorkRegistry>();

    [Fact]
    public async Task RunAsync_ManyItems_EverySiloRunsAShare()
    {
        const int Items = 900;
        await using var strategy = new ClusterStrategy(Fixture.Client, new ClusterStrategyOptions { MaxConcurrency = 12 });

        var perSilo = await RunCountingPerSiloAsync(strategy, Items);

        perSilo.Should().HaveCount(ClusterFixture.Silos);
        perSilo.Should().OnlyContain(n => n >= Items / ClusterFixture.Silos / 3, $"each silo runs a fair share (ran {string.Join(", ", perSilo)})");
        strategy.ItemsBySilo.Should().HaveCount(ClusterFixture.Silos);
        strategy.ItemsBySilo.Values.Order().Should().Equal(perSilo.Order(), "the replies name the silo that ran each item");
    }

    [Fact]
    public async Task RunAsync_FromInsideASilo_StillSpreadsItemsOverEverySilo()
    {
        // A stateless worker called from a silo always activates on that silo; inside a silo the strategy places its
        // grains at random instead. It sees it runs in a silo from the silo's own IClusterClient.
        var silo = (InProcessSiloHandle)Fixture.Cluster.GetActiveSilos().First();
        await using var strategy = new ClusterStrategy(silo.SiloHost.Services.GetRequiredService<IClusterClient>(), new ClusterStrategyOptions { MaxConcurrency = 12 });

        var perSilo = await RunCountingPerSiloAsync(strategy, 600);

        perSilo.Should().OnlyContain(n => n > 0, $"every silo runs items, not only the calling one (ran {string.Join(", ", perSilo)})");
    }

    /// <summary>Runs <paramref name="items"/> short items, checks their outcomes, and returns how many each silo says it ran.</summary>
    private async Task<List<long>> RunCountingPerSiloAsync(ClusterStrategy strategy, int items)
    {
        var before = Registries(Fixture.Cluster).Select(r => r.Succeeded).ToList();

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, items), static async (x, ct) =>
        {
            await Task.Delay(1, ct);
            return x + 1;
        }).CollectAsync();

        outcomes.Should().HaveCount(items).And.OnlyContain(o => o.Succeeded && o.Result == o.Item + 1);
        var perSilo = Registries(Fixture.Cluster).Select((r, i) => r.Succeeded - before[i]).ToList();
        perSilo.Sum().Should().Be(items, "the silos ran every item once, and nothing else ran meanwhile");
        return perSilo;
    }

    [Fact]
    public async Task RunAsync_WorkThrows_OutcomeCarriesTheSilosExceptionTypeMessageAndStack()
    {
        await using var strategy = new ClusterStrategy(Fixture.Client);

        var outcome = (await strategy.RunAsync(new[] { 7 }, (Func<int, int>)Explode).CollectAsync()).Single();

        var remote = outcome.Error.Should().BeOfType<RemoteWorkException>().Subject;
        remote.RemoteType.Should().Be(typeof(InvalidDataException).FullName);
        remote.RemoteMessage.Should().Be("item 7 is bad");
        remote.RemoteStackTrace.Should().Contain(nameof(Explode));
        remote.InnerRemoteExceptions.Should().ContainSingle().Which.RemoteType.Should().Be(typeof(FormatException).FullName);
    }

    [Fact]
    public async Task RunAsync_ItemThatCannotBeSerialized_FailsThatItemAndTheRunGoesOn()
    {
        await using var strategy = new ClusterStrategy(Fixture.Client);
        var items = new[] { new Probe(1), new Probe(-1), new Probe(3) };

        var outcomes = await strategy.RunAsync(items, static (Probe p, CancellationToken _) => ValueTask.FromResult(p.Value * 2), new RunOptions { Ordered = true }).CollectAsync();

        outcomes.Select(o => o.Succeeded).Should().Equal(true, false, true);
        outcomes[1].Error.Should().BeOfType<WorkSerializationException>().Which.Message.Should().Contain("could not be serialized to send it to a silo").And.Contain("negative");
        outcomes[2].Result.Should().Be(6);
    }

    [Fact]
    public async Task RunAsync_OnASiloWithoutTheWorkers_ItemsFailSayingWhatToCall()
    {
        var cluster = await ClusterFixture.StartAsync(1, withWorkers: false);
        try
        {
            await using var strategy = new ClusterStrategy(cluster.Client);

            var outcomes = await strategy.RunAsync(Enumerable.Range(0, 3), static x => x).CollectAsync();

            outcomes.Should().HaveCount(3).And.OnlyContain(o => !o.Succeeded);
            outcomes[0].Error.Should().BeOfType<RemoteWorkException>().Which.RemoteMessage.Should().Contain("AddConcurrencyStrategiesWorkers()");
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public void RunAsync_CapturingLambda_ThrowsAtOnceNamingWhatItCaptured()
    {
        var strategy = new ClusterStrategy(Fixture.Client);
        var offset = 3;

        var act = () => strategy.RunAsync(Enumerable.Range(0, 3), x => x + offset);

        act.Should().Throw<ArgumentException>().WithParameterName("work")
            .Which.Message.Should().Contain("'offset'").And.Contain("silo").And.Contain("static method");
    }

    [Fact]
    public void RunAsync_BatchSize_ThrowsSayingItDoesNotApply()
    {
        var strategy = new ClusterStrategy(Fixture.Client);

        var act = () => strategy.RunAsync(Enumerable.Range(0, 3), static x => x, new RunOptions { BatchSize = 10 });

        act.Should().Throw<ArgumentException>().WithParameterName("options").Which.Message.Should().Contain("does not apply to the ClusterStrategy");
    }

    [Fact]
    public void Constructor_NullGrainFactory_Throws() =>
        FluentActions.Invoking(() => new ClusterStrategy(null!)).Should().Throw<ArgumentNullException>().WithParameterName("grains")
            .Which.Message.Should().Contain("AddOrleansCluster");

    public static TheoryData<Action<ClusterStrategyOptions>, string> InvalidOptions => new()
    {
        { o => o.MaxConcurrency = 0, "ClusterStrategyOptions.MaxConcurrency" },
        { o => o.MaxConcurrency = ClusterStrategyOptions.MaxConcurrencyLimit + 1, "ClusterStrategyOptions.MaxConcurrency" },
        { o => o.SiloFailureRetries = -1, "ClusterStrategyOptions.SiloFailureRetries" },
        { o => o.SiloFailureRetries = ClusterStrategyOptions.MaxSiloFailureRetries + 1, "ClusterStrategyOptions.SiloFailureRetries" },
        { o => o.DispatchKeys = 0, "ClusterStrategyOptions.DispatchKeys" },
        { o => o.CancellationGracePeriod = TimeSpan.FromSeconds(-1), "ClusterStrategyOptions.CancellationGracePeriod" },
        { o => o.SiloCheckInterval = TimeSpan.FromMilliseconds(50), "ClusterStrategyOptions.SiloCheckInterval" },
        { o => o.ProgressInterval = TimeSpan.Zero, "ClusterStrategyOptions.ProgressInterval" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Constructor_InvalidOption_ThrowsNamingIt(Action<ClusterStrategyOptions> set, string named)
    {
        var options = new ClusterStrategyOptions();
        set(options);

        FluentActions.Invoking(() => new ClusterStrategy(Fixture.Client, options)).Should().Throw<ArgumentException>()
            .WithParameterName("options").Which.Message.Should().Contain(named);
    }

    [Fact]
    public void Constructor_SerializerFactoryThatCaptures_ThrowsNamingIt()
    {
        var custom = JsonWorkSerializer.Default;
        var options = new ClusterStrategyOptions { Serializer = () => custom };

        FluentActions.Invoking(() => new ClusterStrategy(Fixture.Client, options)).Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("'custom'");
    }

    [Fact]
    public async Task RunAsync_CustomSerializer_IsUsedOnBothSides()
    {
        await using var strategy = new ClusterStrategy(Fixture.Client, new ClusterStrategyOptions { Serializer = static () => new CountingSerializer() });
        var before = CountingSerializer.Calls;

        var outcomes = await strategy.RunAsync(Enumerable.Range(0, 10), static x => x * 3).CollectAsync();

        outcomes.Should().OnlyContain(o => o.Succeeded && o.Result == o.Item * 3);
        (CountingSerializer.Calls - before).Should().Be(40, "each item is written here and read on the silo, and each result written there and read here");
    }

    private static int Explode(int x)
    {
        try
        {
            throw new FormatException("inner");
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"item {x} is bad", ex);
        }
    }

    /// <summary>An item whose serialization fails for negative values.</summary>
    private sealed class Probe(int value)
    {
        public int Value => value >= 0 ? value : throw new InvalidOperationException("negative values cannot be written");
    }

    private sealed class CountingSerializer : IWorkSerializer
    {
        private static int s_calls;

        public static int Calls => Volatile.Read(ref s_calls);

        public void Serialize<T>(T value, System.Buffers.IBufferWriter<byte> destination)
        {
            Interlocked.Increment(ref s_calls);
            JsonWorkSerializer.Default.Serialize(value, destination);
        }

        public T Deserialize<T>(ReadOnlySpan<byte> data)
        {
            Interlocked.Increment(ref s_calls);
            return JsonWorkSerializer.Default.Deserialize<T>(data);
        }
    }
}
