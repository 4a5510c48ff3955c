using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Processes.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// Runs items in a pool of child <c>dotnet</c> processes: isolation, crash containment, a hard kill for items that
/// overrun <see cref="RunOptions.ItemTimeout"/>, and recycling of workers that leak (like Python's
/// <c>ProcessPoolExecutor</c>, without its faults: a dead worker fails only its own item, and the pool replaces it).
/// </summary>
/// <remarks>
/// <para>
/// The work must be a static method or a lambda that captures nothing: it is identified by assembly and metadata
/// token and resolved in each worker, which loads the app's own assemblies (its runtimeconfig and deps files).
/// Items and results cross as <see cref="ProcessStrategyOptions.Serializer"/> writes them (System.Text.Json by
/// default). A failed item's error is a <see cref="RemoteWorkException"/> (the work threw),
/// a <see cref="WorkerCrashedException"/> (the worker died), a <see cref="WorkSerializationException"/> or a
/// <see cref="TimeoutException"/>.
/// </para>
/// <para>
/// <c>MaxConcurrency</c> is the number of workers a run uses (at most <see cref="ProcessStrategyOptions.WorkerCount"/>);
/// each runs one item at a time. Tiny items travel in automatically sized batches, several per worker, so the pipe
/// costs little per item; <see cref="RunOptions.BatchSize"/> fixes the size. With <see cref="RunOptions.Resilience"/>
/// or <see cref="RunOptions.ItemTimeout"/>, items travel one at a time so each attempt is its own round trip.
/// Cancelling a run kills the workers that still run its items. Nothing starts until the first run (or
/// <see cref="WarmUpAsync"/>); disposal stops every worker and waits for it.
/// </para>
/// </remarks>
public sealed class ProcessStrategy : IExecutionStrategy, IDisposable
{
    private readonly StrategyCore _core;
    private readonly ProcessStrategyOptions _options;
    private readonly WorkerPool _pool;

    /// <summary>The Start frame per work method, built once: naming the work costs reflection, and the same instance lets a worker that ran it before skip the Start frame.</summary>
    private readonly WorkStarts<StartMessage> _starts;

    /// <summary>Initializes a new instance of the <see cref="ProcessStrategy"/> class with default options.</summary>
    public ProcessStrategy()
        : this(new ProcessStrategyOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ProcessStrategy"/> class. No process starts here.</summary>
    /// <param name="options">The options; copied, so later changes have no effect.</param>
    /// <param name="logger">A logger for worker lifecycle, worker output (stdout and stderr, with the worker id) and run summaries; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for item timeouts, idle timeouts and progress; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds an invalid value; the message names it.</exception>
    public ProcessStrategy(ProcessStrategyOptions options, ILogger<ProcessStrategy>? logger = null, TimeProvider? timeProvider = null)
    {
        Guard.NotNull(options, "Pass new ProcessStrategyOptions() for the defaults, or use the parameterless constructor.");
        OptionsValidation.ThrowIfInvalid(options.Validate("ProcessStrategyOptions."), nameof(options));
        _options = options.Clone();
        var time = timeProvider ?? TimeProvider.System;
        var log = logger ?? (ILogger)NullLogger.Instance;
        _starts = new WorkStarts<StartMessage>(_options.Serializer, nameof(ProcessStrategyOptions), nameof(options), allowFileless: _options.WorkerHost is not null, fix: null, static start => start);

        _pool = new WorkerPool(_options, log, time);
        _core = new StrategyCore(StrategyKind.Process, nameof(ProcessStrategy), _options.WorkerCount, time, log, threads: null, Resolve);
    }

    /// <inheritdoc/>
    public StrategyKind Kind => StrategyKind.Process;

    /// <inheritdoc/>
    /// <value>The worker count: each worker runs one item at a time.</value>
    public int MaxConcurrency => _core.MaxConcurrency;

    /// <summary>Gets the most worker processes this strategy runs at once.</summary>
    public int WorkerCount => _options.WorkerCount;

    /// <summary>Gets the number of worker processes alive (or starting) now; 0 before first use and after the idle timeout.</summary>
    public int LiveWorkerCount => _pool.Alive;

    /// <summary>Gets the operating system ids of the worker processes alive now (for diagnostics and tests).</summary>
    public IReadOnlyList<int> WorkerProcessIds => _pool.ProcessIds;

    /// <summary>
    /// Starts workers ahead of time (all <see cref="WorkerCount"/> of them, each with its initializer), so the first
    /// items do not pay the process start (tens of milliseconds each).
    /// </summary>
    /// <param name="cancellationToken">Cancels the warm-up; workers already started stay in the pool.</param>
    /// <returns>A task that completes when the workers are ready.</returns>
    /// <exception cref="NotSupportedException">This app cannot start workers; the message names the option that fixes it.</exception>
    /// <exception cref="InvalidOperationException">A worker could not start, or its initializer threw (the inner exception is the remote error).</exception>
    /// <exception cref="ObjectDisposedException">The strategy has been disposed.</exception>
    public Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        _core.ThrowIfDisposed();
        _pool.EnsureLaunchable();
        return _pool.WarmUpAsync(_options.WorkerCount, cancellationToken);
    }

    /// <summary>Throws <see cref="NotSupportedException"/> when this app cannot start workers (calibration asks before it plans a pilot).</summary>
    internal void EnsureLaunchable() => _pool.EnsureLaunchable();

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The work captures state or is an instance method; the message names what it captured and how to fix it.</exception>
    /// <exception cref="NotSupportedException">This app cannot start workers (single-file or self-contained); the message names <see cref="ProcessStrategyOptions.WorkerHost"/>.</exception>
    public IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        Guard.NotNull(items, Guard.ItemsFix);
        Guard.NotNull(work, Guard.WorkFix);
        _core.ThrowIfDisposed();
        _pool.EnsureLaunchable();
        var start = _starts.For(work);
        return _core.Run(
            items,
            work,
            options,
            cancellationToken,
            settings => settings with { Process = new ProcessRun(_pool, start, _starts.Serializer, _options, settings.ChunkSize) });
    }

    /// <summary>
    /// Cancels active runs (their workers get <see cref="ProcessStrategyOptions.ShutdownGracePeriod"/> to stop the items,
    /// then are killed), then shuts every worker down (killed after the same grace period) and waits for it to exit.
    /// </summary>
    /// <returns>A task that completes when no worker process of this strategy is left.</returns>
    public async ValueTask DisposeAsync()
    {
        await _core.DisposeAsync().ConfigureAwait(false);
        await _pool.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Cancels active runs and blocks until every worker process has exited.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private RunSettings Resolve(RunOptions options, int defaultConcurrency)
    {
        StrategyCore.ValidateCommon(options, _options.WorkerCount, $"{nameof(ProcessStrategy)} with WorkerCount {_options.WorkerCount} (raise ProcessStrategyOptions.WorkerCount for more)");
        if (options.BatchSize is > ProcessRun.MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.BatchSize,
                $"RunOptions.BatchSize must be at most {ProcessRun.MaxBatchSize} for the ProcessStrategy; got {options.BatchSize}. Leave it null to size batches automatically.");
        }

        var perItem = options.Resilience is not null || options.ItemTimeout is not null;
        if (perItem && options.BatchSize is > 1)
        {
            throw new ArgumentException(
                $"RunOptions.BatchSize ({options.BatchSize}) cannot be combined with {(options.Resilience is not null ? "Resilience" : "ItemTimeout")} in the ProcessStrategy: "
                + "retries and timeouts apply to each item, so items travel one at a time. Remove BatchSize, or remove the per-item policy.",
                nameof(options));
        }

        var max = options.MaxConcurrency ?? defaultConcurrency;
        return RunSettings.From(StrategyKind.Process, options, max, ProcessRun.WindowCapacity(max, _options.BatchesInFlightPerWorker, perItem ? 1 : options.BatchSize), _options.ProgressInterval)
            with { ChunkSize = options.BatchSize };
    }
}
