using Concurrency.Strategies.Telemetry;
using Concurrency.Strategies.Threading;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Internal;

/// <summary>
/// What the thread and async strategies share: argument validation, settings resolution, the set of active
/// runs, and disposal that cancels those runs and waits for them. The public strategy types delegate here.
/// </summary>
internal sealed class StrategyCore : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposal = new();
    private readonly HashSet<IRunHandle> _activeRuns = new();
    private readonly Func<RunOptions, int, RunSettings> _resolve;
    private int _disposed;

    public StrategyCore(
        StrategyKind kind,
        string strategyName,
        int maxConcurrency,
        TimeProvider timeProvider,
        ILogger logger,
        DedicatedThreadPool? threads,
        Func<RunOptions, int, RunSettings> resolve)
    {
        Kind = kind;
        StrategyName = strategyName;
        MaxConcurrency = maxConcurrency;
        TimeProvider = timeProvider;
        Logger = logger;
        Threads = threads;
        _resolve = resolve;
    }

    public StrategyKind Kind { get; }

    public string StrategyName { get; }

    public int MaxConcurrency { get; }

    public TimeProvider TimeProvider { get; }

    public ILogger Logger { get; }

    /// <summary>Gets the dedicated threads that run thread lanes; <see langword="null"/> for async lanes on the pool.</summary>
    public DedicatedThreadPool? Threads { get; }

    public CancellationToken DisposalToken => _disposal.Token;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public IAsyncEnumerable<ItemOutcome<TIn, TOut>> Run<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options,
        CancellationToken cancellationToken,
        Func<RunSettings, RunSettings>? complete = null)
    {
        Guard.NotNull(items, Guard.ItemsFix);
        Guard.NotNull(work, Guard.WorkFix);
        ThrowIfDisposed();
        var settings = _resolve(options ?? Empty, MaxConcurrency);
        if (complete is not null)
        {
            settings = complete(settings);
        }

        return new RunEnumerable<TIn, TOut>(this, settings, items, work, cancellationToken);
    }

    private static readonly RunOptions Empty = new();

    /// <summary>Validates what every strategy accepts the same way; strategy-specific rules follow in the resolver.</summary>
    public static void ValidateCommon(RunOptions options, int maxConcurrencyLimit, string strategyName)
    {
        if (options.MaxConcurrency is { } max && (max < 1 || max > maxConcurrencyLimit))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                max,
                $"RunOptions.MaxConcurrency must be between 1 and {maxConcurrencyLimit} for the {strategyName}; got {max}. "
                + "Leave it null to use the strategy's default.");
        }

        if (options.ItemTimeout is { } timeout && (timeout <= TimeSpan.Zero || timeout > RunDefaults.MaxItemTimeout))
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                timeout,
                $"RunOptions.ItemTimeout must be positive and at most {RunDefaults.MaxItemTimeout}; got {timeout}. Leave it null for no limit.");
        }

        if (options.TotalCount is < 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.TotalCount,
                $"RunOptions.TotalCount must be zero or positive; got {options.TotalCount}. Leave it null when the count is unknown.");
        }

        if (options.BatchSize is < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.BatchSize,
                $"RunOptions.BatchSize must be at least 1; got {options.BatchSize}. Leave it null to size batches automatically.");
        }
    }

    public void Register(IRunHandle run)
    {
        lock (_activeRuns)
        {
            ThrowIfDisposed();
            _activeRuns.Add(run);
        }
    }

    public void Unregister(IRunHandle run)
    {
        lock (_activeRuns)
        {
            _activeRuns.Remove(run);
        }
    }

    public void ThrowIfDisposed()
    {
        if (IsDisposed)
        {
            throw new ObjectDisposedException(StrategyName, $"This {StrategyName} has been disposed; create a new one (or resolve it again from the container).");
        }
    }

    /// <summary>Cancels every active run, waits until their lanes have exited, then stops the worker threads.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Task[] running;
        lock (_activeRuns)
        {
            running = _activeRuns.Select(r => r.Completion).ToArray();
        }

        await _disposal.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(running).ConfigureAwait(false);
        Threads?.Dispose();
        Log.StrategyDisposed(Logger, Kind, running.Length);
    }

    /// <summary>Makes each enumeration its own run, so an outcome sequence can be enumerated more than once.</summary>
    private sealed class RunEnumerable<TIn, TOut>(
        StrategyCore core,
        RunSettings settings,
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        CancellationToken cancellationToken) : IAsyncEnumerable<ItemOutcome<TIn, TOut>>
    {
        public IAsyncEnumerator<ItemOutcome<TIn, TOut>> GetAsyncEnumerator(CancellationToken enumeratorToken = default)
        {
            core.ThrowIfDisposed();
            return new Run<TIn, TOut>(core, settings, items, work, cancellationToken).ConsumeAsync(enumeratorToken).GetAsyncEnumerator(CancellationToken.None);
        }
    }
}
