using Concurrency.Strategies.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Concurrency.Strategies.Async;

/// <summary>
/// Runs items as async operations on the thread pool with a bounded in-flight window: thousands of concurrent
/// I/O operations on a handful of threads. CPU work inside the operations still runs in parallel, since the
/// pool is multi-threaded.
/// </summary>
/// <remarks>
/// Work should be truly asynchronous: a blocking call inside it holds a pool thread for its whole duration
/// (use <see cref="Threading.ThreadStrategy"/> for blocking APIs). Cancellation is cooperative.
/// </remarks>
public sealed class AsyncStrategy : IExecutionStrategy, IDisposable
{
    private readonly StrategyCore _core;
    private readonly AsyncStrategyOptions _options;

    /// <summary>Initializes a new instance of the <see cref="AsyncStrategy"/> class with default options.</summary>
    public AsyncStrategy()
        : this(new AsyncStrategyOptions())
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AsyncStrategy"/> class.</summary>
    /// <param name="options">The options; copied, so later changes have no effect.</param>
    /// <param name="logger">A logger for run summaries; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for item timeouts and progress; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds an invalid value; the message names it.</exception>
    public AsyncStrategy(AsyncStrategyOptions options, ILogger<AsyncStrategy>? logger = null, TimeProvider? timeProvider = null)
    {
        Guard.NotNull(options, "Pass new AsyncStrategyOptions() for the defaults, or use the parameterless constructor.");
        OptionsValidation.ThrowIfInvalid(options.Validate("AsyncStrategyOptions."), nameof(options));
        _options = options.Clone();
        _core = new StrategyCore(
            StrategyKind.Async,
            nameof(AsyncStrategy),
            _options.MaxConcurrency,
            timeProvider ?? TimeProvider.System,
            logger ?? (ILogger)NullLogger.Instance,
            threads: null,
            Resolve);
    }

    /// <inheritdoc/>
    public StrategyKind Kind => StrategyKind.Async;

    /// <inheritdoc/>
    public int MaxConcurrency => _core.MaxConcurrency;

    /// <inheritdoc/>
    public IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null,
        CancellationToken cancellationToken = default) =>
        _core.Run(items, work, options, cancellationToken);

    /// <summary>Cancels active runs and waits for their work to return.</summary>
    /// <returns>A task that completes when no work of this strategy is left running.</returns>
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <summary>Cancels active runs and blocks until their work returns.</summary>
    public void Dispose() => _core.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private RunSettings Resolve(RunOptions options, int defaultConcurrency)
    {
        StrategyCore.ValidateCommon(options, AsyncConstants.MaxConcurrencyLimit, nameof(AsyncStrategy));
        if (options.BatchSize is not null)
        {
            throw new ArgumentException(
                $"RunOptions.BatchSize ({options.BatchSize}) does not apply to the AsyncStrategy: every item runs as its own operation. "
                + "Remove BatchSize, or use the ThreadStrategy (chunk size) or ProcessStrategy (batch size) where it has a meaning.",
                nameof(options));
        }

        var max = options.MaxConcurrency ?? defaultConcurrency;
        return RunSettings.From(StrategyKind.Async, options, max, AsyncConstants.WindowCapacity(max), _options.ProgressInterval);
    }
}
