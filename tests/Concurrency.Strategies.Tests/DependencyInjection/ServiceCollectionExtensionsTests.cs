using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Concurrency.Strategies.Tests.DependencyInjection;

public sealed class ServiceCollectionExtensionsTests
{
    /// <summary>Each invalid setting, keyed by the property path the validation message must name.</summary>
    private static readonly Dictionary<string, Action<ConcurrencyStrategiesOptions>> InvalidSettings = new()
    {
        ["Thread.MaxConcurrency"] = o => o.Thread.MaxConcurrency = 0,
        ["Async.MaxConcurrency"] = o => o.Async.MaxConcurrency = -1,
        ["Thread.ProgressInterval"] = o => o.Thread.ProgressInterval = TimeSpan.Zero,
        ["Thread.IdleTimeout"] = o => o.Thread.IdleTimeout = TimeSpan.FromSeconds(-5),
        ["Async.ProgressInterval"] = o => o.Async.ProgressInterval = TimeSpan.FromSeconds(-1),
        ["Process.WorkerCount"] = o => o.Process.WorkerCount = 0,
        ["Process.MaxItemsPerWorker"] = o => o.Process.MaxItemsPerWorker = 0,
        ["Process.IdleTimeout"] = o => o.Process.IdleTimeout = TimeSpan.FromSeconds(-2),
        ["Process.Serializer"] = o => o.Process.Serializer = CapturingSerializerFactory(),
    };

    private static Func<IWorkSerializer> CapturingSerializerFactory()
    {
        var captured = JsonWorkSerializer.Default;
        return () => captured;
    }

    // ---- the three overloads -------------------------------------------------------------------------------

    [Fact]
    public async Task AddConcurrencyStrategies_Defaults_ResolvesStrategiesWithDocumentedDefaults()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();

        var thread = provider.GetRequiredService<ThreadStrategy>();
        var async = provider.GetRequiredService<AsyncStrategy>();

        thread.Kind.Should().Be(StrategyKind.Thread);
        thread.MaxConcurrency.Should().Be(Math.Clamp(8 * Environment.ProcessorCount, 8, 256), "the documented default is 8 threads per core");
        async.Kind.Should().Be(StrategyKind.Async);
        async.MaxConcurrency.Should().Be(100);
        var process = provider.GetRequiredService<ProcessStrategy>();
        process.Kind.Should().Be(StrategyKind.Process);
        process.WorkerCount.Should().Be(Environment.ProcessorCount, "the documented default is one worker per core");
        process.MaxConcurrency.Should().Be(Environment.ProcessorCount);
        process.LiveWorkerCount.Should().Be(0, "nothing spawns until first use");
        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(TimeProvider.System);
    }

    [Fact]
    public async Task AddConcurrencyStrategies_ConfigureCallback_AppliesMaxConcurrencyToEachStrategy()
    {
        await using var provider = new ServiceCollection()
            .AddConcurrencyStrategies(o =>
            {
                o.Thread.MaxConcurrency = 7;
                o.Async.MaxConcurrency = 33;
                o.Process.WorkerCount = 3;
            })
            .BuildServiceProvider();

        provider.GetRequiredService<ThreadStrategy>().MaxConcurrency.Should().Be(7);
        provider.GetRequiredService<ProcessStrategy>().MaxConcurrency.Should().Be(3);
        provider.GetRequiredService<AsyncStrategy>().MaxConcurrency.Should().Be(33);
    }

    [Fact]
    public async Task AddConcurrencyStrategies_ConfigurationSection_BindsThreadAndAsyncOptions()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConcurrencyStrategies:Thread:MaxConcurrency"] = "5",
                ["ConcurrencyStrategies:Thread:IdleTimeout"] = "00:00:05",
                ["ConcurrencyStrategies:Async:MaxConcurrency"] = "250",
                ["ConcurrencyStrategies:Process:WorkerCount"] = "3",
                ["ConcurrencyStrategies:Process:MaxItemsPerWorker"] = "1000",
                ["ConcurrencyStrategies:Process:EnvironmentVariables:DOTNET_gcServer"] = "0",
                ["ConcurrencyStrategies:Process:WorkerHost:FileName"] = "/opt/app/worker",
            })
            .Build();

        await using var provider = new ServiceCollection()
            .AddConcurrencyStrategies(configuration.GetSection("ConcurrencyStrategies"))
            .BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ConcurrencyStrategiesOptions>>().Value;
        options.Thread.MaxConcurrency.Should().Be(5);
        options.Thread.IdleTimeout.Should().Be(TimeSpan.FromSeconds(5));
        options.Thread.ProgressInterval.Should().Be(TimeSpan.FromMilliseconds(100), "an unbound key keeps its default");
        options.Async.MaxConcurrency.Should().Be(250);
        options.Process.WorkerCount.Should().Be(3);
        options.Process.MaxItemsPerWorker.Should().Be(1000);
        options.Process.EnvironmentVariables.Should().Contain("DOTNET_gcServer", "0");
        options.Process.WorkerHost!.FileName.Should().Be("/opt/app/worker");
        provider.GetRequiredService<ThreadStrategy>().MaxConcurrency.Should().Be(5);
        provider.GetRequiredService<AsyncStrategy>().MaxConcurrency.Should().Be(250);
    }

    // ---- lifetimes and keys --------------------------------------------------------------------------------

    [Fact]
    public async Task GetRequiredService_ResolvedTwice_ReturnsSameSingletons()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();

        provider.GetRequiredService<ThreadStrategy>().Should().BeSameAs(provider.GetRequiredService<ThreadStrategy>());
        provider.GetRequiredService<AsyncStrategy>().Should().BeSameAs(provider.GetRequiredService<AsyncStrategy>());
    }

    [Fact]
    public async Task GetRequiredService_FromScopes_ReturnsSameSingletons()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();
        await using var first = provider.CreateAsyncScope();
        await using var second = provider.CreateAsyncScope();

        first.ServiceProvider.GetRequiredService<ThreadStrategy>()
            .Should().BeSameAs(second.ServiceProvider.GetRequiredService<ThreadStrategy>());
        first.ServiceProvider.GetRequiredService<AsyncStrategy>()
            .Should().BeSameAs(second.ServiceProvider.GetRequiredService<AsyncStrategy>());
    }

    [Fact]
    public async Task GetRequiredKeyedService_ByStrategyKind_ReturnsTheConcreteSingleton()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();

        var thread = provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Thread);
        var async = provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Async);
        var process = provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Process);

        process.Should().BeSameAs(provider.GetRequiredService<ProcessStrategy>());
        process.Kind.Should().Be(StrategyKind.Process);
        thread.Should().BeSameAs(provider.GetRequiredService<ThreadStrategy>());
        thread.Kind.Should().Be(StrategyKind.Thread);
        async.Should().BeSameAs(provider.GetRequiredService<AsyncStrategy>());
        async.Kind.Should().Be(StrategyKind.Async);
    }

    [Fact]
    public async Task GetService_UnkeyedInterface_IsNotRegistered()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();

        provider.GetService<IExecutionStrategy>().Should().BeNull("strategies are registered keyed, never as the unkeyed interface");
    }

    [Fact]
    public async Task ProcessStrategy_FromTheContainer_RunsWorkInWorkersAndTheContainerStopsThem()
    {
        int[] pids;
        await using (var provider = new ServiceCollection().AddConcurrencyStrategies(o => o.Process.WorkerCount = 1).BuildServiceProvider())
        {
            var process = provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Process);
            (await process.InvokeAsync(7, Concurrency.Strategies.TestWorkloads.Workloads.Square)).Should().Be(49);
            pids = [.. ((ProcessStrategy)process).WorkerProcessIds];
            pids.Should().ContainSingle();
        }

        pids.Should().OnlyContain(pid => !ChildProcesses.IsAlive(pid), "disposing the container stops every worker and waits for it");
    }

    // ---- idempotence ---------------------------------------------------------------------------------------

    [Fact]
    public async Task AddConcurrencyStrategies_CalledTwice_RegistersEachServiceOnceAndStillWorks()
    {
        var services = new ServiceCollection();

        services.AddConcurrencyStrategies(o => o.Thread.MaxConcurrency = 7);
        services.AddConcurrencyStrategies();

        Count(services, typeof(ThreadStrategy)).Should().Be(1);
        Count(services, typeof(AsyncStrategy)).Should().Be(1);
        Count(services, typeof(TimeProvider)).Should().Be(1);
        Count(services, typeof(IValidateOptions<ConcurrencyStrategiesOptions>)).Should().Be(1);
        Count(services, typeof(IExecutionStrategy), StrategyKind.Thread).Should().Be(1);
        Count(services, typeof(IExecutionStrategy), StrategyKind.Async).Should().Be(1);
        Count(services, typeof(IExecutionStrategy), StrategyKind.Process).Should().Be(1);
        Count(services, typeof(ProcessStrategy)).Should().Be(1);
        Count(services, typeof(Concurrency.Strategies.Selection.IStrategySelector)).Should().Be(1);

        await using var provider = services.BuildServiceProvider();
        var thread = provider.GetRequiredService<ThreadStrategy>();
        thread.MaxConcurrency.Should().Be(7, "the second call adds no configuration of its own");
        (await DoubleAllAsync(thread, 1, 2, 3)).Should().Equal(2, 4, 6);
        (await DoubleAllAsync(provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Async), 1, 2, 3)).Should().Equal(2, 4, 6);
    }

    // ---- validation ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("Thread.MaxConcurrency")]
    [InlineData("Async.MaxConcurrency")]
    [InlineData("Thread.ProgressInterval")]
    [InlineData("Thread.IdleTimeout")]
    [InlineData("Async.ProgressInterval")]
    [InlineData("Process.WorkerCount")]
    [InlineData("Process.MaxItemsPerWorker")]
    [InlineData("Process.IdleTimeout")]
    [InlineData("Process.Serializer")]
    public async Task StartAsync_InvalidOptions_ThrowsOptionsValidationExceptionNamingThePropertyPath(string path)
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddConcurrencyStrategies(InvalidSettings[path]))
            .Build();

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        AssertNamesProperty(error, path);
    }

    [Fact]
    public async Task StartAsync_InvalidBoundConfiguration_ThrowsOptionsValidationExceptionNamingThePropertyPath()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConcurrencyStrategies:Async:MaxConcurrency"] = "-1" })
            .Build();
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddConcurrencyStrategies(configuration.GetSection("ConcurrencyStrategies")))
            .Build();

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        AssertNamesProperty(error, "Async.MaxConcurrency");
        error!.Message.Should().Contain("Got -1");
    }

    [Fact]
    public async Task StartAsync_SeveralInvalidOptions_ListsEveryFailure()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddConcurrencyStrategies(o =>
            {
                o.Thread.MaxConcurrency = 0;
                o.Async.MaxConcurrency = 0;
            }))
            .Build();

        var error = await Record.ExceptionAsync(() => host.StartAsync());

        var validation = error.Should().BeOfType<OptionsValidationException>().Subject;
        validation.Failures.Should().HaveCount(2);
        validation.Failures.Should().ContainSingle(f => f.Contains("Thread.MaxConcurrency", StringComparison.Ordinal));
        validation.Failures.Should().ContainSingle(f => f.Contains("Async.MaxConcurrency", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_ValidOptions_StartsWithoutStartingWorkerThreads()
    {
        using var host = new HostBuilder()
            .ConfigureServices(services => services.AddConcurrencyStrategies(o => o.Thread.MaxConcurrency = 4))
            .Build();

        await host.StartAsync();
        try
        {
            host.Services.GetRequiredService<ThreadStrategy>().LiveThreads.Should().Be(0);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Theory]
    [InlineData("Thread.MaxConcurrency")]
    [InlineData("Async.MaxConcurrency")]
    [InlineData("Thread.ProgressInterval")]
    public async Task GetRequiredService_InvalidOptionsWithoutHost_ThrowsOptionsValidationException(string path)
    {
        // Registration and BuildServiceProvider must not validate: nothing runs until a strategy is resolved.
        await using var provider = new ServiceCollection().AddConcurrencyStrategies(InvalidSettings[path]).BuildServiceProvider();

        AssertNamesProperty(Record.Exception(() => provider.GetRequiredService<ThreadStrategy>()), path);
        AssertNamesProperty(Record.Exception(() => provider.GetRequiredService<AsyncStrategy>()), path);
        AssertNamesProperty(Record.Exception(() => provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Thread)), path);
        AssertNamesProperty(Record.Exception(() => provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Async)), path);
    }

    // ---- nothing starts early; the container stops everything ---------------------------------------------

    [Fact]
    public async Task GetRequiredService_AfterRegistration_StartsNoThreadUntilFirstRun()
    {
        await using var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();
        var thread = provider.GetRequiredService<ThreadStrategy>();
        provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Thread);

        thread.LiveThreads.Should().Be(0);

        (await DoubleAllAsync(thread, 1, 2, 3)).Should().Equal(2, 4, 6);
        thread.LiveThreads.Should().BeGreaterThan(0, "threads start on first use and idle for IdleTimeout (30 s) afterwards");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Dispose_Container_DisposesStrategiesAndStopsEveryThread(bool disposeAsync)
    {
        var provider = new ServiceCollection().AddConcurrencyStrategies().BuildServiceProvider();
        var thread = provider.GetRequiredService<ThreadStrategy>();
        var async = provider.GetRequiredService<AsyncStrategy>();
        (await DoubleAllAsync(thread, 1, 2, 3, 4, 5)).Should().Equal(2, 4, 6, 8, 10);
        (await DoubleAllAsync(async, 1, 2, 3, 4, 5)).Should().Equal(2, 4, 6, 8, 10);
        thread.LiveThreads.Should().BeGreaterThan(0);

        if (disposeAsync)
        {
            await provider.DisposeAsync();
        }
        else
        {
            provider.Dispose();
        }

        thread.LiveThreads.Should().Be(0);
        AssertDisposed(Record.Exception(() => thread.RunAsync(Items(1), Double)), nameof(ThreadStrategy));
        AssertDisposed(Record.Exception(() => async.RunAsync(Items(1), Double)), nameof(AsyncStrategy));
    }

    // ---- TimeProvider ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(StrategyKind.Thread)]
    [InlineData(StrategyKind.Async)]
    public async Task AddConcurrencyStrategies_AppRegisteredTimeProvider_IsKeptAndDrivesTheStrategies(StrategyKind kind)
    {
        var fake = new FakeTimeProvider();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(fake);
        services.AddConcurrencyStrategies();

        Count(services, typeof(TimeProvider)).Should().Be(1);
        await using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<TimeProvider>().Should().BeSameAs(fake);

        // The work moves the fake clock; run progress measures elapsed time with the registered clock only.
        var progress = new RecordingProgress();
        var strategy = provider.GetRequiredKeyedService<IExecutionStrategy>(kind);
        var outcomes = new List<ItemOutcome<int, int>>();
        await foreach (var outcome in strategy.RunAsync(
            new[] { 1 },
            (int item, CancellationToken _) =>
            {
                fake.Advance(TimeSpan.FromMinutes(5));
                return item;
            },
            new RunOptions { Progress = progress }))
        {
            outcomes.Add(outcome);
        }

        outcomes.Should().ContainSingle().Which.Succeeded.Should().BeTrue();
        progress.Reports[0].Elapsed.Should().Be(TimeSpan.Zero);
        progress.Reports[^1].Should().Be(new RunProgress(1, 0, 0, 1, TimeSpan.FromMinutes(5), TimeSpan.Zero));
    }

    // ---- null arguments --------------------------------------------------------------------------------------

    [Theory]
    [InlineData("services, defaults", "services", "builder.Services")]
    [InlineData("services, callback", "services", "builder.Services")]
    [InlineData("services, configuration", "services", "builder.Services")]
    [InlineData("configure", "configure", "Pass a callback that sets options, or call AddConcurrencyStrategies() for the defaults")]
    [InlineData("configuration", "configuration", "Pass a configuration section, e.g. builder.Configuration.GetSection(\"ConcurrencyStrategies\")")]
    public void AddConcurrencyStrategies_NullArgument_ThrowsArgumentNullExceptionWithAdvice(string nullArgument, string paramName, string advice)
    {
        IServiceCollection services = new ServiceCollection();
        IConfiguration configuration = new ConfigurationBuilder().Build();
        Action act = nullArgument switch
        {
            "services, defaults" => () => ((IServiceCollection)null!).AddConcurrencyStrategies(),
            "services, callback" => () => ((IServiceCollection)null!).AddConcurrencyStrategies(_ => { }),
            "services, configuration" => () => ((IServiceCollection)null!).AddConcurrencyStrategies(configuration),
            "configure" => () => services.AddConcurrencyStrategies((Action<ConcurrencyStrategiesOptions>)null!),
            "configuration" => () => services.AddConcurrencyStrategies((IConfiguration)null!),
            _ => throw new ArgumentOutOfRangeException(nameof(nullArgument), nullArgument, "Unknown case."),
        };

        var error = act.Should().ThrowExactly<ArgumentNullException>().Which;

        error.ParamName.Should().Be(paramName);
        error.Message.Should().Contain($"{paramName} is null.").And.Contain(advice);
        services.Should().BeEmpty("a rejected call registers nothing");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static int Count(IServiceCollection services, Type serviceType, object? key = null) =>
        services.Count(d => d.ServiceType == serviceType && Equals(d.ServiceKey, key));

    private static void AssertNamesProperty(Exception? error, string path)
    {
        var validation = error.Should().BeOfType<OptionsValidationException>().Subject;
        validation.OptionsType.Should().Be<ConcurrencyStrategiesOptions>();
        validation.Failures.Should().ContainSingle();
        validation.Message.Should()
            .Contain($"ConcurrencyStrategies options: {path}")
            .And.Contain("Fix it in the AddConcurrencyStrategies(...) callback or the bound configuration section.");
    }

    private static void AssertDisposed(Exception? error, string strategyName)
    {
        var disposed = error.Should().BeOfType<ObjectDisposedException>().Subject;
        disposed.ObjectName.Should().Be(strategyName);
        disposed.Message.Should().Contain("has been disposed").And.Contain("create a new one");
    }

    private static async Task<List<int>> DoubleAllAsync(IExecutionStrategy strategy, params int[] items)
    {
        var results = new List<int>();
        await foreach (var result in strategy.MapAsync(items, Double))
        {
            results.Add(result);
        }

        return results;
    }

    private static int Double(int item) => item * 2;

    private static async IAsyncEnumerable<int> Items(params int[] items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }
}
