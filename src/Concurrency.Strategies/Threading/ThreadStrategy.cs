using Concurrency.Strategies.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Concurrency.Strategies.Threading;

/// <summary>
/// Runs items on a bounded set of dedicated worker threads (not thread-pool threads, so blocking work never
/// starves the pool). Suited to blocking APIs and, because .NET has no GIL, to CPU-bound work with
/// <see cref="RunOptions.MaxConcurrency"/> set to <see cref="Environment.ProcessorCount"/>.
/// </summary>
/// <remarks>
/// Threads start lazily, when a run has work for them, and exit after <see cref="ThreadStrategyOptions.IdleTimeout"/>
/// without work or when the strategy is disposed. Tiny items travel to threads in automatically sized chunks
/// (or <see cref="RunOptions.BatchSize"/>), while outcomes still stream per item as they finish.
/// Cancellation is cooperative: running work sees its token cancelled, and the run ends when the work returns.
/// </remarks>
public sealed class ThreadStrategy : IExecutionStrategy, IDisposable
{
    private readonly StrategyCore _core;
    private readonly ThreadStrategyOptions _options;

    /// <summary>Initializes a new instance of the <see cref="ThreadStrategy"/> class with default options.</summary>
    public ThreadStrategy()
        : this(new ThreadStrategyOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ThreadStrategy"/> class.</summary>
    /// <param name="options">The options; copied, so later changes have no effect.</param>
    /// <param name="logger">A logger for thread lifecycle and run summaries; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for item timeouts and progress; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds an invalid value; the message names it.</exception>
    public ThreadStrategy(ThreadStrategyOptions options, ILogger<ThreadStrategy>? logger = null, TimeProvider? timeProvider = null)
    {
        Guard.NotNull(options, "Pass new ThreadStrategyOptions() for the defaults, or use the parameterless constructor.");
        OptionsValidation.ThrowIfInvalid(options.Validate("ThreadStrategyOptions."), nameof(options));
        _options = options.Clone();
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        var threads = new DedicatedThreadPool(_options.IdleTimeout, "Concurrency.Strategies worker", log);
        _core = new StrategyCore(
            StrategyKind.Thread,
            nameof(ThreadStrategy),
            _options.MaxConcurrency,
            timeProvider ?? TimeProvider.System,
            log,
            threads,
            Resolve);
    }

    /// <inheritdoc/>
    public StrategyKind Kind => StrategyKind.Thread;

    /// <inheritdoc/>
    public int MaxConcurrency => _core.MaxConcurrency;

    /// <summary>Gets the number of worker threads alive now, running or idle.</summary>
    public int LiveThreads => _core.Threads!.LiveThreads;

    internal DedicatedThreadPool Threads => _core.Threads!;

    /// <inheritdoc/>
    public IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null,
        CancellationToken cancellationToken = default) =>
        _core.Run(items, work, options, cancellationToken);

    /// <summary>Cancels active runs, waits for their work to return, and stops every worker thread.</summary>
    /// <returns>A task that completes when no worker thread is left.</returns>
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <summary>Cancels active runs, blocks until their work returns, and stops every worker thread.</summary>
    public void Dispose() => _core.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private RunSettings Resolve(RunOptions options, int defaultConcurrency)
    {
        StrategyCore.ValidateCommon(options, ThreadConstants.MaxConcurrencyLimit, nameof(ThreadStrategy));
        if (options.BatchSize is > ThreadConstants.MaxBatchSize)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.BatchSize,
                $"RunOptions.BatchSize must be at most {ThreadConstants.MaxBatchSize} for the ThreadStrategy; got {options.BatchSize}. "
                + "Leave it null to size chunks automatically.");
        }

        var max = options.MaxConcurrency ?? defaultConcurrency;
        return RunSettings.From(StrategyKind.Thread, options, max, ThreadConstants.WindowCapacity(max, options.BatchSize), _options.ProgressInterval)
            with { ChunkSize = options.BatchSize };
    }
}
