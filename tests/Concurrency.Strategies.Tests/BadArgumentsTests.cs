using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Tests;

/// <summary>
/// Every public entry point of <see cref="ThreadStrategy"/>, <see cref="ProcessStrategy"/> and <see cref="AsyncStrategy"/> with each bad argument:
/// the exact exception type, the parameter it names, a message that names the problem and the fix, and when it
/// is thrown (at the call, in the returned task, or at the first <c>MoveNextAsync</c>).
/// </summary>
public sealed class BadArgumentsTests
{
    /// <summary>When a bad argument surfaces.</summary>
    private enum Surfaces
    {
        /// <summary>Thrown by the call itself, before anything is returned or enumerated.</summary>
        AtCall,

        /// <summary>The call returns a task that is already faulted; awaiting it throws.</summary>
        InReturnedTask,

        /// <summary>The call returns a sequence; its first <c>MoveNextAsync</c> throws.</summary>
        AtFirstMoveNext,
    }

    private static readonly Func<int, CancellationToken, ValueTask<int>> AsyncWork = (item, _) => new ValueTask<int>(item);
    private static readonly Func<int, int> SyncWork = item => item;
    private static readonly Func<int, CancellationToken, int> CancellableWork = (item, _) => item;
    private static readonly Func<int, CancellationToken, ValueTask> AsyncAction = (_, _) => ValueTask.CompletedTask;
    private static readonly Action<int> SyncAction = _ => { };
    private static readonly Action<int, CancellationToken> CancellableAction = (_, _) => { };

    /// <summary>
    /// Every public way to run work. <see cref="EntryPoint.ChecksOptionsAndDisposal"/> records where each one
    /// currently reports bad <see cref="RunOptions"/> and disposal; null checks are at the call everywhere.
    /// </summary>
    private static readonly EntryPoint[] EntryPoints =
    [
        new("IExecutionStrategy.RunAsync(IAsyncEnumerable, async work)", IsExtension: false, TakesItems: true, Surfaces.AtCall,
            (s, a) => s!.RunAsync(a.AsyncItems, a.Work(AsyncWork), a.Options)),
        new("RunAsync(IEnumerable, async work)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.RunAsync(s!, a.SyncItems, a.Work(AsyncWork), a.Options)),
        new("RunAsync(IEnumerable, Func<T, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.RunAsync(s!, a.SyncItems, a.Work(SyncWork), a.Options)),
        new("RunAsync(IEnumerable, Func<T, CancellationToken, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.RunAsync(s!, a.SyncItems, a.Work(CancellableWork), a.Options)),
        new("RunAsync(IAsyncEnumerable, Func<T, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.RunAsync(s!, a.AsyncItems, a.Work(SyncWork), a.Options)),
        new("RunAsync(IAsyncEnumerable, Func<T, CancellationToken, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.RunAsync(s!, a.AsyncItems, a.Work(CancellableWork), a.Options)),

        // MapAsync starts the run before it returns its iterator, so options and disposal throw at the call.
        new("MapAsync(IAsyncEnumerable, async work)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.MapAsync(s!, a.AsyncItems, a.Work(AsyncWork), a.Options)),
        new("MapAsync(IEnumerable, async work)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.MapAsync(s!, a.SyncItems, a.Work(AsyncWork), a.Options)),
        new("MapAsync(IEnumerable, Func<T, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.MapAsync(s!, a.SyncItems, a.Work(SyncWork), a.Options)),
        new("MapAsync(IEnumerable, Func<T, CancellationToken, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.MapAsync(s!, a.SyncItems, a.Work(CancellableWork), a.Options)),
        new("MapAsync(IAsyncEnumerable, Func<T, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.MapAsync(s!, a.AsyncItems, a.Work(SyncWork), a.Options)),
        new("MapAsync(IAsyncEnumerable, Func<T, CancellationToken, TOut>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.MapAsync(s!, a.AsyncItems, a.Work(CancellableWork), a.Options)),

        // ForEachAsync and InvokeAsync start the run before their first await, so they throw at the call too.
        new("ForEachAsync(IAsyncEnumerable, async action)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.ForEachAsync(s!, a.AsyncItems, a.Work(AsyncAction), a.Options)),
        new("ForEachAsync(IEnumerable, async action)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.ForEachAsync(s!, a.SyncItems, a.Work(AsyncAction), a.Options)),
        new("ForEachAsync(IEnumerable, Action<T>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.ForEachAsync(s!, a.SyncItems, a.Work(SyncAction), a.Options)),
        new("ForEachAsync(IEnumerable, Action<T, CancellationToken>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.ForEachAsync(s!, a.SyncItems, a.Work(CancellableAction), a.Options)),
        new("ForEachAsync(IAsyncEnumerable, Action<T>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.ForEachAsync(s!, a.AsyncItems, a.Work(SyncAction), a.Options)),
        new("ForEachAsync(IAsyncEnumerable, Action<T, CancellationToken>)", IsExtension: true, TakesItems: true, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.ForEachAsync(s!, a.AsyncItems, a.Work(CancellableAction), a.Options)),
        new("InvokeAsync(item, async work)", IsExtension: true, TakesItems: false, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.InvokeAsync(s!, 1, a.Work(AsyncWork), a.Options)),
        new("InvokeAsync(item, Func<T, TOut>)", IsExtension: true, TakesItems: false, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.InvokeAsync(s!, 1, a.Work(SyncWork), a.Options)),
        new("InvokeAsync(item, Func<T, CancellationToken, TOut>)", IsExtension: true, TakesItems: false, Surfaces.AtCall,
            (s, a) => ExecutionStrategyExtensions.InvokeAsync(s!, 1, a.Work(CancellableWork), a.Options)),
    ];

    private static readonly Dictionary<string, BadCall> Cases = BuildCases().ToDictionary(c => c.Name, StringComparer.Ordinal);

    public static TheoryData<string> CaseNames
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var name in Cases.Keys)
            {
                names.Add(name);
            }

            return names;
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task EntryPoint_BadArgument_ThrowsExactExceptionNamingProblemAndFix(string name)
    {
        var row = Cases[name];
        await using var strategy = Create(row.Strategy);
        if (row.DisposeFirst)
        {
            await strategy!.DisposeAsync();
        }

        var (returned, thrownAtCall) = CallOnly(row, strategy);
        if (returned is IAsyncDisposable created)
        {
            // Only a constructor row that wrongly succeeded returns a strategy; release it before failing.
            await created.DisposeAsync();
        }

        var error = row.Surfaces switch
        {
            Surfaces.AtCall => thrownAtCall,
            Surfaces.InReturnedTask => await FaultOfReturnedTaskAsync(thrownAtCall, returned),
            Surfaces.AtFirstMoveNext => await FirstMoveNextErrorAsync(thrownAtCall, returned),
            _ => throw new ArgumentOutOfRangeException(nameof(name), row.Surfaces, "Unknown timing."),
        };

        error.Should().NotBeNull($"{row.Name} must be rejected {row.Surfaces}");
        error.Should().BeOfType(row.Exception, "the exact type is part of the contract");
        NameCarriedBy(error!).Should().Be(row.Names);
        foreach (var fragment in row.MessageContains)
        {
            error!.Message.Should().Contain(fragment);
        }
    }

    [Theory]
    [InlineData(StrategyKind.Thread)]
    [InlineData(StrategyKind.Process)]
    [InlineData(StrategyKind.Async)]
    public async Task RunAsync_DisposedAfterCallBeforeEnumeration_ThrowsObjectDisposedExceptionAtGetAsyncEnumerator(StrategyKind kind)
    {
        await using var strategy = Create(kind)!;
        var outcomes = strategy.RunAsync(new[] { 1, 2, 3 }, SyncWork);

        await strategy.DisposeAsync();

        var error = Record.Exception(() => outcomes.GetAsyncEnumerator());
        var disposed = error.Should().BeOfType<ObjectDisposedException>().Subject;
        disposed.ObjectName.Should().Be($"{kind}Strategy");
        disposed.Message.Should().Contain("has been disposed").And.Contain("create a new one");
    }

    [Theory]
    [InlineData(StrategyKind.Thread)]
    [InlineData(StrategyKind.Process)]
    [InlineData(StrategyKind.Async)]
    public async Task MapAsync_InvalidOptions_ThrowsAtCallTime(StrategyKind kind)
    {
        await using var strategy = Create(kind)!;

        var act = () => strategy.MapAsync(new[] { 1 }, SyncWork, new RunOptions { MaxConcurrency = 0 });

        act.Should().ThrowExactly<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("options");
    }

    [Fact]
    public async Task Constructor_IdleTimeoutBeyondTimerLimit_ThrowsArgumentException()
    {
        ThreadStrategy? created = null;
        var act = () => created = new ThreadStrategy(new ThreadStrategyOptions { IdleTimeout = TimeSpan.FromDays(30) });
        try
        {
            var error = act.Should().ThrowExactly<ArgumentException>().Which;

            error.ParamName.Should().Be("options");
            error.Message.Should().Contain("ThreadStrategyOptions.IdleTimeout");
        }
        finally
        {
            if (created is not null)
            {
                await created.DisposeAsync();
            }
        }
    }

    private static IEnumerable<BadCall> BuildCases()
    {
        foreach (var entry in EntryPoints)
        {
            if (entry.IsExtension)
            {
                yield return new(
                    $"{entry.Name} | strategy null",
                    Strategy: null,
                    DisposeFirst: false,
                    _ => entry.Call(null, new Args()),
                    typeof(ArgumentNullException),
                    "strategy",
                    ["strategy is null.", "Call the extension on a strategy instance"],
                    Surfaces.AtCall);
            }

            foreach (var kind in new[] { StrategyKind.Thread, StrategyKind.Process, StrategyKind.Async })
            {
                var prefix = $"{kind}Strategy | {entry.Name}";
                if (entry.TakesItems)
                {
                    yield return new(
                        $"{prefix} | items null",
                        kind,
                        DisposeFirst: false,
                        s => entry.Call(s, new Args(NullItems: true)),
                        typeof(ArgumentNullException),
                        "items",
                        ["items is null.", "Pass the items to run; an empty sequence runs nothing."],
                        Surfaces.AtCall);
                }

                yield return new(
                    $"{prefix} | work null",
                    kind,
                    DisposeFirst: false,
                    s => entry.Call(s, new Args(NullWork: true)),
                    typeof(ArgumentNullException),
                    "work",
                    ["work is null.", "Pass the work to run for each item"],
                    Surfaces.AtCall);

                yield return new(
                    $"{prefix} | strategy disposed",
                    kind,
                    DisposeFirst: true,
                    s => entry.Call(s, new Args()),
                    typeof(ObjectDisposedException),
                    $"{kind}Strategy",
                    [$"This {kind}Strategy has been disposed", "create a new one"],
                    entry.ChecksOptionsAndDisposal);

                foreach (var bad in BadOptions(kind))
                {
                    yield return new(
                        $"{prefix} | {bad.Label}",
                        kind,
                        DisposeFirst: false,
                        s => entry.Call(s, new Args(Options: bad.Options)),
                        bad.Exception,
                        "options",
                        bad.MessageContains,
                        entry.ChecksOptionsAndDisposal);
                }
            }
        }

        foreach (var constructor in BadConstructions().Concat(BadProcessConstructions()))
        {
            yield return constructor;
        }
    }

    private static IEnumerable<BadOption> BadOptions(StrategyKind kind)
    {
        var (name, limit) = kind switch
        {
            StrategyKind.Thread => ("ThreadStrategy", 1024),
            StrategyKind.Process => ($"ProcessStrategy with WorkerCount {Environment.ProcessorCount} (raise ProcessStrategyOptions.WorkerCount for more)", Environment.ProcessorCount),
            _ => ("AsyncStrategy", 1_000_000),
        };
        foreach (var max in new[] { 0, -1, limit + 1 })
        {
            yield return new(
                $"RunOptions.MaxConcurrency = {max}",
                new RunOptions { MaxConcurrency = max },
                typeof(ArgumentOutOfRangeException),
                [$"RunOptions.MaxConcurrency must be between 1 and {limit} for the {name}; got {max}.", "Leave it null to use the strategy's default."]);
        }

        foreach (var timeout in new[] { TimeSpan.Zero, TimeSpan.FromSeconds(-1), Timeout.InfiniteTimeSpan, TimeSpan.MaxValue })
        {
            yield return new(
                $"RunOptions.ItemTimeout = {timeout}",
                new RunOptions { ItemTimeout = timeout },
                typeof(ArgumentOutOfRangeException),
                ["RunOptions.ItemTimeout must be positive and at most", $"got {timeout}.", "Leave it null for no limit."]);
        }

        yield return new(
            "RunOptions.TotalCount = -1",
            new RunOptions { TotalCount = -1 },
            typeof(ArgumentOutOfRangeException),
            ["RunOptions.TotalCount must be zero or positive; got -1.", "Leave it null when the count is unknown."]);

        yield return new(
            "RunOptions.BatchSize = 0",
            new RunOptions { BatchSize = 0 },
            typeof(ArgumentOutOfRangeException),
            ["RunOptions.BatchSize must be at least 1; got 0.", "Leave it null"]);

        if (kind == StrategyKind.Process)
        {
            yield return new(
                "RunOptions.BatchSize = 65537",
                new RunOptions { BatchSize = 65_537 },
                typeof(ArgumentOutOfRangeException),
                ["RunOptions.BatchSize must be at most 65536 for the ProcessStrategy; got 65537.", "Leave it null to size batches automatically."]);
            yield return new(
                "RunOptions.BatchSize = 4 with ItemTimeout",
                new RunOptions { BatchSize = 4, ItemTimeout = TimeSpan.FromSeconds(1) },
                typeof(ArgumentException),
                ["RunOptions.BatchSize (4) cannot be combined with ItemTimeout in the ProcessStrategy", "items travel one at a time", "Remove BatchSize"]);
            yield return new(
                "RunOptions.BatchSize = 4 with Resilience",
                new RunOptions { BatchSize = 4, Resilience = Polly.ResiliencePipeline.Empty },
                typeof(ArgumentException),
                ["RunOptions.BatchSize (4) cannot be combined with Resilience in the ProcessStrategy", "Remove BatchSize"]);
        }
        else if (kind == StrategyKind.Thread)
        {
            yield return new(
                "RunOptions.BatchSize = 65537",
                new RunOptions { BatchSize = 65_537 },
                typeof(ArgumentOutOfRangeException),
                ["RunOptions.BatchSize must be at most 65536 for the ThreadStrategy; got 65537.", "Leave it null to size chunks automatically."]);
        }
        else
        {
            yield return new(
                "RunOptions.BatchSize = 4",
                new RunOptions { BatchSize = 4 },
                typeof(ArgumentException),
                ["RunOptions.BatchSize (4) does not apply to the AsyncStrategy", "Remove BatchSize"]);
        }
    }

    private static IEnumerable<BadCall> BadConstructions()
    {
        yield return Construct("new ThreadStrategy(null)", () => new ThreadStrategy(null!), typeof(ArgumentNullException), ["options"]);
        foreach (var max in new[] { 0, -1, 1025 })
        {
            yield return Construct(
                $"new ThreadStrategy(MaxConcurrency = {max})",
                () => new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = max }),
                typeof(ArgumentException),
                ["ThreadStrategyOptions.MaxConcurrency", "must be between 1 and 1024", $"Got {max}."]);
        }

        yield return Construct(
            "new ThreadStrategy(IdleTimeout = -00:00:05)",
            () => new ThreadStrategy(new ThreadStrategyOptions { IdleTimeout = TimeSpan.FromSeconds(-5) }),
            typeof(ArgumentException),
            ["ThreadStrategyOptions.IdleTimeout must be between zero and", "Timeout.InfiniteTimeSpan to keep threads until disposal", "got -00:00:05."]);
        yield return Construct(
            "new ThreadStrategy(ProgressInterval = 00:00:00)",
            () => new ThreadStrategy(new ThreadStrategyOptions { ProgressInterval = TimeSpan.Zero }),
            typeof(ArgumentException),
            ["ThreadStrategyOptions.ProgressInterval must be positive", "e.g. 00:00:00.1", "got 00:00:00."]);
        yield return Construct(
            "new ThreadStrategy(MaxConcurrency = 0, ProgressInterval = 00:00:00)",
            () => new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 0, ProgressInterval = TimeSpan.Zero }),
            typeof(ArgumentException),
            ["ThreadStrategyOptions.MaxConcurrency", "ThreadStrategyOptions.ProgressInterval must be positive"]);

        yield return Construct("new AsyncStrategy(null)", () => new AsyncStrategy(null!), typeof(ArgumentNullException), ["options"]);
        foreach (var max in new[] { 0, -1, 1_000_001 })
        {
            yield return Construct(
                $"new AsyncStrategy(MaxConcurrency = {max})",
                () => new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = max }),
                typeof(ArgumentException),
                ["AsyncStrategyOptions.MaxConcurrency", "must be between 1 and 1000000", $"Got {max}."]);
        }

        yield return Construct(
            "new AsyncStrategy(ProgressInterval = -00:00:01)",
            () => new AsyncStrategy(new AsyncStrategyOptions { ProgressInterval = TimeSpan.FromSeconds(-1) }),
            typeof(ArgumentException),
            ["AsyncStrategyOptions.ProgressInterval must be positive", "e.g. 00:00:00.1", "got -00:00:01."]);
    }

    private static IEnumerable<BadCall> BadProcessConstructions()
    {
        yield return Construct("new ProcessStrategy(null)", () => new ProcessStrategy(null!), typeof(ArgumentNullException), ["options"]);
        var invalid = new (string Label, Action<ProcessStrategyOptions> Set, string[] Message)[]
        {
            ("WorkerCount = 0", o => o.WorkerCount = 0, ["ProcessStrategyOptions.WorkerCount", "must be between 1 and 256", "Got 0."]),
            ("WorkerCount = 257", o => o.WorkerCount = 257, ["ProcessStrategyOptions.WorkerCount", "must be between 1 and 256", "Got 257."]),
            ("MaxItemsPerWorker = 0", o => o.MaxItemsPerWorker = 0, ["ProcessStrategyOptions.MaxItemsPerWorker", "Got 0."]),
            ("MaxWorkerMemoryBytes = 1000", o => o.MaxWorkerMemoryBytes = 1000, ["ProcessStrategyOptions.MaxWorkerMemoryBytes", "Got 1000."]),
            ("IdleTimeout = -00:00:05", o => o.IdleTimeout = TimeSpan.FromSeconds(-5), ["ProcessStrategyOptions.IdleTimeout must be between zero and", "Timeout.InfiniteTimeSpan to keep workers until disposal", "got -00:00:05."]),
            ("StartTimeout = 00:00:00", o => o.StartTimeout = TimeSpan.Zero, ["ProcessStrategyOptions.StartTimeout must be positive", "got 00:00:00."]),
            ("ShutdownGracePeriod = -00:00:01", o => o.ShutdownGracePeriod = TimeSpan.FromSeconds(-1), ["ProcessStrategyOptions.ShutdownGracePeriod must be between zero (kill at once) and", "got -00:00:01."]),
            ("MaxFrameBytes = 100", o => o.MaxFrameBytes = 100, ["ProcessStrategyOptions.MaxFrameBytes", "Got 100."]),
            ("BatchesInFlightPerWorker = 0", o => o.BatchesInFlightPerWorker = 0, ["ProcessStrategyOptions.BatchesInFlightPerWorker", "must be between 1 and 16", "Got 0."]),
            ("TargetBatchDuration = 00:00:00", o => o.TargetBatchDuration = TimeSpan.Zero, ["ProcessStrategyOptions.TargetBatchDuration must be between 1 millisecond and 10 seconds", "got 00:00:00."]),
            ("QuarantineAfterCrashes = 0", o => o.QuarantineAfterCrashes = 0, ["ProcessStrategyOptions.QuarantineAfterCrashes", "Got 0."]),
            ("WorkerHost.FileName empty", o => o.WorkerHost = new WorkerHostCommand(), ["ProcessStrategyOptions.WorkerHost.FileName must name the program", "Leave WorkerHost null"]),
            ("Serializer captures", o => { var captured = JsonWorkSerializer.Default; o.Serializer = () => captured; }, ["ProcessStrategyOptions.Serializer must be a static method or a lambda that captures nothing", "'captured'"]),
            ("ProgressInterval = 00:00:00", o => o.ProgressInterval = TimeSpan.Zero, ["ProcessStrategyOptions.ProgressInterval must be positive", "got 00:00:00."]),
        };
        foreach (var (label, set, message) in invalid)
        {
            yield return Construct($"new ProcessStrategy({label})", () => { var options = new ProcessStrategyOptions(); set(options); return new ProcessStrategy(options); }, typeof(ArgumentException), message);
        }

        var prefix = "ProcessStrategyOptions.UseInitializer";
        var factor = 3;
        yield return new(
            $"{prefix}(capturing lambda)",
            Strategy: null,
            DisposeFirst: false,
            _ => new ProcessStrategyOptions().UseInitializer(() => Console.WriteLine(factor)),
            typeof(ArgumentException),
            "initializer",
            ["captures", "'factor' (Int32)", "use a static method"],
            Surfaces.AtCall);
        yield return new(
            $"{prefix}(argument that cannot be serialized)",
            Strategy: null,
            DisposeFirst: false,
            _ => new ProcessStrategyOptions().UseInitializer(static (Type _) => { }, typeof(int)),
            typeof(ArgumentException),
            "argument",
            ["The initializer's argument of type System.Type cannot be serialized with System.Text.Json", "Pass a value made of public properties"],
            Surfaces.AtCall);
    }

    private static BadCall Construct(string name, Func<object> construct, Type exception, string[] messageContains) =>
        new(name, Strategy: null, DisposeFirst: false, _ => construct(), exception, "options", messageContains, Surfaces.AtCall);

    private static IExecutionStrategy? Create(StrategyKind? kind) => kind switch
    {
        null => null,
        StrategyKind.Thread => new ThreadStrategy(),
        StrategyKind.Async => new AsyncStrategy(),
        StrategyKind.Process => new ProcessStrategy(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown strategy kind."),
    };

    /// <summary>Makes the call and nothing else: a returned task is not awaited, a returned sequence not enumerated.</summary>
    private static (object? Returned, Exception? Thrown) CallOnly(BadCall row, IExecutionStrategy? strategy)
    {
        try
        {
            return (row.Call(strategy), null);
        }
        catch (Exception error)
        {
            return (null, error);
        }
    }

    private static async Task<Exception?> FaultOfReturnedTaskAsync(Exception? thrownAtCall, object? returned)
    {
        thrownAtCall.Should().BeNull("the call itself should return a task rather than throw");
        var task = returned.Should().BeAssignableTo<Task>().Subject;
        task.IsFaulted.Should().BeTrue("validation runs before the first await, so the task is already faulted");
        return await Record.ExceptionAsync(() => task);
    }

    private static async Task<Exception?> FirstMoveNextErrorAsync(Exception? thrownAtCall, object? returned)
    {
        thrownAtCall.Should().BeNull("the call itself should return a sequence rather than throw");
        var sequence = returned.Should().BeAssignableTo<IAsyncEnumerable<int>>().Subject;
        await using var enumerator = sequence.GetAsyncEnumerator();
        return await Record.ExceptionAsync(async () => await enumerator.MoveNextAsync());
    }

    private static string? NameCarriedBy(Exception error) => error switch
    {
        ArgumentException argument => argument.ParamName,
        ObjectDisposedException disposed => disposed.ObjectName,
        _ => null,
    };

    /// <summary>One bad call and everything its rejection must show.</summary>
    /// <param name="Name">The display name, also the row's key.</param>
    /// <param name="Strategy">The strategy handed to <paramref name="Call"/>; <see langword="null"/> for none.</param>
    /// <param name="DisposeFirst">Whether the strategy is disposed before the call.</param>
    /// <param name="Call">The call; returns what the entry point returned.</param>
    /// <param name="Exception">The exact exception type.</param>
    /// <param name="Names">The <see cref="ArgumentException.ParamName"/> or <see cref="ObjectDisposedException.ObjectName"/>.</param>
    /// <param name="MessageContains">What the message must say: the bad thing and the fix.</param>
    /// <param name="Surfaces">When the exception surfaces.</param>
    private sealed record BadCall(
        string Name,
        StrategyKind? Strategy,
        bool DisposeFirst,
        Func<IExecutionStrategy?, object> Call,
        Type Exception,
        string Names,
        string[] MessageContains,
        Surfaces Surfaces);

    private sealed record BadOption(string Label, RunOptions Options, Type Exception, string[] MessageContains);

    private sealed record EntryPoint(
        string Name, bool IsExtension, bool TakesItems, Surfaces ChecksOptionsAndDisposal, Func<IExecutionStrategy?, Args, object> Call);

    /// <summary>The arguments of one call: valid unless marked null. The sources fail the test if anything enumerates them.</summary>
    private sealed record Args(bool NullItems = false, bool NullWork = false, RunOptions? Options = null)
    {
        public IEnumerable<int> SyncItems => NullItems ? null! : new NeverEnumerated();

        public IAsyncEnumerable<int> AsyncItems => NullItems ? null! : new NeverEnumerated();

        public T Work<T>(T work)
            where T : class => NullWork ? null! : work;
    }

    /// <summary>A source that must not be touched: validation has to reject the call before reading input.</summary>
    private sealed class NeverEnumerated : IEnumerable<int>, IAsyncEnumerable<int>
    {
        public IEnumerator<int> GetEnumerator() => throw Touched();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => throw Touched();

        public IAsyncEnumerator<int> GetAsyncEnumerator(CancellationToken cancellationToken = default) => throw Touched();

        private static InvalidOperationException Touched() =>
            new("The source was enumerated, but a call with a bad argument must be rejected before any input is read.");
    }
}
