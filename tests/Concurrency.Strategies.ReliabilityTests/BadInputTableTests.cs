using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Selection;
using Concurrency.Strategies.Threading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Concurrency.Strategies.ReliabilityTests;

/// <summary>
/// The bad-input table beyond the run entry points (those are in the main suite's BadArgumentsTests, every overload
/// with null, empty and disposed arguments): constructors and their options, options that contradict each other or
/// the run, the decision guide, calibration, pipelines and configuration through DI. Each row: the call, the exact
/// exception type, and the words the message must hold (what was wrong, and how to fix it).
/// </summary>
public sealed class BadInputTableTests
{
    private static readonly Func<int, CancellationToken, ValueTask<int>> Work = (x, _) => new ValueTask<int>(x);

    public static TheoryData<string> Rows => [.. Table.Keys];

    private static Dictionary<string, (Func<Task> Call, Type Exception, string[] Says)> Table { get; } = new(StringComparer.Ordinal)
    {
        // Constructors: each option out of range names its property, its range and the value it got.
        ["ThreadStrategyOptions.MaxConcurrency = 0"] = (() => New(() => new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 0 })), typeof(ArgumentException), ["ThreadStrategyOptions.MaxConcurrency", "Got 0"]),
        ["ThreadStrategyOptions.MaxConcurrency = -1"] = (() => New(() => new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = -1 })), typeof(ArgumentException), ["ThreadStrategyOptions.MaxConcurrency", "Got -1"]),
        ["ThreadStrategyOptions.IdleTimeout negative"] = (() => New(() => new ThreadStrategy(new ThreadStrategyOptions { IdleTimeout = TimeSpan.FromSeconds(-1) })), typeof(ArgumentException), ["IdleTimeout"]),
        ["ThreadStrategyOptions.ProgressInterval zero"] = (() => New(() => new ThreadStrategy(new ThreadStrategyOptions { ProgressInterval = TimeSpan.Zero })), typeof(ArgumentException), ["ProgressInterval must be positive"]),
        ["ThreadStrategy(null options)"] = (() => New(() => new ThreadStrategy(null!)), typeof(ArgumentNullException), ["options"]),
        ["AsyncStrategyOptions.MaxConcurrency = 0"] = (() => New(() => new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 0 })), typeof(ArgumentException), ["AsyncStrategyOptions.MaxConcurrency", "Got 0"]),
        ["AsyncStrategyOptions.MaxConcurrency = int.MaxValue"] = (() => New(() => new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = int.MaxValue })), typeof(ArgumentException), ["AsyncStrategyOptions.MaxConcurrency"]),
        ["AsyncStrategy(null options)"] = (() => New(() => new AsyncStrategy(null!)), typeof(ArgumentNullException), ["options"]),
        ["ProcessStrategyOptions.WorkerCount = 0"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 0 })), typeof(ArgumentException), ["ProcessStrategyOptions.WorkerCount", "Got 0"]),
        ["ProcessStrategyOptions.WorkerCount = 257"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 257 })), typeof(ArgumentException), ["ProcessStrategyOptions.WorkerCount", "Got 257"]),
        ["ProcessStrategyOptions.MaxWorkerMemoryBytes below 32 MiB"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { MaxWorkerMemoryBytes = 1024 })), typeof(ArgumentException), ["MaxWorkerMemoryBytes", "Got 1024"]),
        ["ProcessStrategyOptions.MaxItemsPerWorker = 0"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { MaxItemsPerWorker = 0 })), typeof(ArgumentException), ["MaxItemsPerWorker", "Got 0"]),
        ["ProcessStrategyOptions.MaxFrameBytes below 64 KiB"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { MaxFrameBytes = 100 })), typeof(ArgumentException), ["MaxFrameBytes", "Got 100"]),
        ["ProcessStrategyOptions.BatchesInFlightPerWorker = 0"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { BatchesInFlightPerWorker = 0 })), typeof(ArgumentException), ["BatchesInFlightPerWorker"]),
        ["ProcessStrategyOptions.StartTimeout zero"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { StartTimeout = TimeSpan.Zero })), typeof(ArgumentException), ["StartTimeout must be positive"]),
        ["ProcessStrategyOptions.ShutdownGracePeriod negative"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { ShutdownGracePeriod = TimeSpan.FromSeconds(-1) })), typeof(ArgumentException), ["ShutdownGracePeriod must be between zero"]),
        ["ProcessStrategyOptions.TargetBatchDuration zero"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { TargetBatchDuration = TimeSpan.Zero })), typeof(ArgumentException), ["TargetBatchDuration must be between 1 millisecond and 10 seconds"]),
        ["ProcessStrategyOptions.QuarantineAfterCrashes = 0"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { QuarantineAfterCrashes = 0 })), typeof(ArgumentException), ["QuarantineAfterCrashes", "Got 0"]),
        ["ProcessStrategyOptions.WorkerHost with no file name"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { WorkerHost = new WorkerHostCommand() })), typeof(ArgumentException), ["WorkerHost.FileName must name the program"]),
        ["ProcessStrategyOptions: several problems at once"] = (() => New(() => new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 0, StartTimeout = TimeSpan.Zero })), typeof(ArgumentException), ["WorkerCount", "StartTimeout"]),

        // Run options that contradict the strategy or themselves.
        ["RunOptions.BatchSize on the async strategy"] = (() => Run(new AsyncStrategy(), new RunOptions { BatchSize = 10 }), typeof(ArgumentException), ["BatchSize", "AsyncStrategy"]),
        ["RunOptions.MaxConcurrency = 0"] = (() => Run(new ThreadStrategy(), new RunOptions { MaxConcurrency = 0 }), typeof(ArgumentOutOfRangeException), ["MaxConcurrency"]),
        ["RunOptions.MaxConcurrency above the thread strategy's limit"] = (() => Run(new ThreadStrategy(), new RunOptions { MaxConcurrency = 1_000_000 }), typeof(ArgumentOutOfRangeException), ["MaxConcurrency"]),
        ["RunOptions.ItemTimeout zero"] = (() => Run(new AsyncStrategy(), new RunOptions { ItemTimeout = TimeSpan.Zero }), typeof(ArgumentOutOfRangeException), ["ItemTimeout"]),
        ["RunOptions.ItemTimeout negative"] = (() => Run(new ThreadStrategy(), new RunOptions { ItemTimeout = TimeSpan.FromSeconds(-5) }), typeof(ArgumentOutOfRangeException), ["ItemTimeout"]),
        ["RunOptions.TotalCount negative"] = (() => Run(new ThreadStrategy(), new RunOptions { TotalCount = -1 }), typeof(ArgumentOutOfRangeException), ["TotalCount"]),
        ["RunOptions.BatchSize = 0 on processes"] = (() => Run(new ProcessStrategy(), new RunOptions { BatchSize = 0 }), typeof(ArgumentOutOfRangeException), ["BatchSize"]),

        // Disposed objects, beyond the run entry points.
        ["ProcessStrategy.WarmUpAsync after disposal"] = (async () =>
        {
            var strategy = new ProcessStrategy();
            await strategy.DisposeAsync();
            await strategy.WarmUpAsync();
        }, typeof(ObjectDisposedException), ["ProcessStrategy"]),
        ["InvokeAsync on a disposed async strategy"] = (async () =>
        {
            var strategy = new AsyncStrategy();
            await strategy.DisposeAsync();
            await strategy.InvokeAsync(1, Work);
        }, typeof(ObjectDisposedException), ["AsyncStrategy"]),

        // The decision guide and calibration.
        ["DecisionGuide.Recommend(null)"] = (() => New(() => DecisionGuide.Recommend(null!)), typeof(ArgumentNullException), ["profile"]),
        ["WorkloadProfile.TaskCount negative"] = (() => New(() => DecisionGuide.Recommend(new WorkloadProfile { Kind = WorkloadKind.IoBound, TaskCount = -3 })), typeof(ArgumentOutOfRangeException), ["TaskCount"]),
        ["WorkloadProfile.TypicalItemDuration negative"] = (() => New(() => DecisionGuide.Recommend(new WorkloadProfile { Kind = WorkloadKind.CpuBound, TypicalItemDuration = TimeSpan.FromSeconds(-1) })), typeof(ArgumentOutOfRangeException), ["TypicalItemDuration"]),
        ["WorkloadProfile.Kind undefined"] = (() => New(() => DecisionGuide.Recommend(new WorkloadProfile { Kind = (WorkloadKind)42 })), typeof(ArgumentOutOfRangeException), ["Kind"]),
        ["CalibrateAsync with no sample items"] = (() => DecisionGuide.CalibrateAsync(Array.Empty<int>(), Work), typeof(ArgumentException), ["sample"]),
        ["CalibrateAsync with a zero budget"] = (() => DecisionGuide.CalibrateAsync([1, 2, 3], Work, budget: TimeSpan.Zero), typeof(ArgumentOutOfRangeException), ["budget"]),
        ["CalibrateAsync with no candidates"] = (() => DecisionGuide.CalibrateAsync([1, 2, 3], Work, candidates: []), typeof(ArgumentException), ["candidate"]),
        ["CalibrateAsync(null work)"] = (() => DecisionGuide.CalibrateAsync([1, 2, 3], (Func<int, CancellationToken, ValueTask<int>>)null!), typeof(ArgumentNullException), ["work"]),

        // Pipelines.
        ["Pipeline.RunAsync(null items)"] = (() => New(() => Pipeline.RunAsync<int, int, int>(null!, Stage(), Stage())), typeof(ArgumentNullException), ["items"]),
        ["Pipeline.RunAsync(null second stage)"] = (() => New(() => Pipeline.RunAsync<int, int, int>(Items(), Stage(), null!)), typeof(ArgumentNullException), ["second"]),

        // Configuration through DI: a bad value in appsettings fails at resolution, naming its configuration path.
        ["appsettings: ConcurrencyStrategies:Thread:MaxConcurrency = 0"] = (() => Resolve<ThreadStrategy>(("ConcurrencyStrategies:Thread:MaxConcurrency", "0")), typeof(OptionsValidationException), ["MaxConcurrency"]),
        ["appsettings: ConcurrencyStrategies:Process:WorkerCount = -2"] = (() => Resolve<ProcessStrategy>(("ConcurrencyStrategies:Process:WorkerCount", "-2")), typeof(OptionsValidationException), ["WorkerCount"]),
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task BadInput_ThrowsTheRightExceptionNamingTheProblem(string row)
    {
        var (call, type, says) = Table[row];

        var act = async () => await call();

        var thrown = (await act.Should().ThrowAsync<Exception>()).Which;
        thrown.Should().BeOfType(type, $"row \"{row}\" threw {thrown.GetType().Name}: {thrown.Message}");
        foreach (var words in says)
        {
            thrown.Message.Should().Contain(words, $"row \"{row}\"");
        }

        thrown.Message.Length.Should().BeGreaterThan(30, "a message says what was wrong and how to fix it, not just a name");
        if (thrown is not ArgumentNullException)
        {
            // Beyond a missing argument, the message says what a valid value is: a range, a rule or an example.
            thrown.Message.Should().MatchRegex(
                "(?i)must|between|e\\.g\\.|leave|use |set |remove|raise|pass |needs|at least|at most|positive|expected|instead|does not apply|disposed",
                $"row \"{row}\" should say how to fix it");
        }
    }

    private static Task New(Func<object> create)
    {
        var created = create();
        (created as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    private static async Task Run(IExecutionStrategy strategy, RunOptions options)
    {
        await using (strategy)
        {
            await foreach (var _ in strategy.RunAsync(Enumerable.Range(0, 3), Work, options))
            {
            }
        }
    }

    private static PipelineStage<int, int> Stage() => new(new AsyncStrategy(), Work);

    private static async IAsyncEnumerable<int> Items()
    {
        await Task.Yield();
        yield return 1;
    }

    private static async Task Resolve<T>(params (string Key, string Value)[] settings)
        where T : notnull
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        await using var provider = new ServiceCollection().AddConcurrencyStrategies(configuration.GetSection("ConcurrencyStrategies")).BuildServiceProvider();
        provider.GetRequiredService<T>();
    }
}
