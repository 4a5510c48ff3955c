using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Concurrency.Strategies.Internal;

namespace Concurrency.Strategies;

/// <summary>
/// Convenience over <see cref="IExecutionStrategy.RunAsync{TIn, TOut}"/>: synchronous sources and work, fail-fast
/// <c>MapAsync</c> (like <c>Executor.map</c> / <c>asyncio.gather</c>), <c>ForEachAsync</c> for side effects, and
/// <c>InvokeAsync</c> for one item (like <c>executor.submit</c>). Each overload validates its arguments, then calls
/// one private core.
/// </summary>
public static class ExecutionStrategyExtensions
{
    // ---- RunAsync: every outcome, failures included ------------------------------------------------------------

    /// <summary>Runs asynchronous work over a synchronous source; see <see cref="IExecutionStrategy.RunAsync{TIn, TOut}"/>.</summary>
    /// <typeparam name="TIn">The type of the input items.</typeparam>
    /// <typeparam name="TOut">The type of the results.</typeparam>
    /// <param name="strategy">The strategy that runs the items.</param>
    /// <param name="items">The items; a collection's count feeds progress and its time estimate.</param>
    /// <param name="work">The work for one item.</param>
    /// <param name="options">Per-run options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>One outcome per item.</returns>
    public static IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return strategy.RunAsync(new SyncSource<TIn>(items), work, options, cancellationToken);
    }

    /// <summary>Runs synchronous work over a synchronous source; see <see cref="IExecutionStrategy.RunAsync{TIn, TOut}"/>.</summary>
    /// <inheritdoc cref="RunAsync{TIn, TOut}(IExecutionStrategy, IEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Func<TIn, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return strategy.RunAsync(new SyncSource<TIn>(items), WorkAdapters.From(work), options, cancellationToken);
    }

    /// <summary>Runs synchronous, cancellable work over a synchronous source; see <see cref="IExecutionStrategy.RunAsync{TIn, TOut}"/>.</summary>
    /// <inheritdoc cref="RunAsync{TIn, TOut}(IExecutionStrategy, IEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Func<TIn, CancellationToken, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return strategy.RunAsync(new SyncSource<TIn>(items), WorkAdapters.From(work), options, cancellationToken);
    }

    /// <summary>Runs synchronous work over an asynchronous source; see <see cref="IExecutionStrategy.RunAsync{TIn, TOut}"/>.</summary>
    /// <inheritdoc cref="RunAsync{TIn, TOut}(IExecutionStrategy, IEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Func<TIn, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return strategy.RunAsync(items, WorkAdapters.From(work), options, cancellationToken);
    }

    /// <summary>Runs synchronous, cancellable work over an asynchronous source; see <see cref="IExecutionStrategy.RunAsync{TIn, TOut}"/>.</summary>
    /// <inheritdoc cref="RunAsync{TIn, TOut}(IExecutionStrategy, IEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Func<TIn, CancellationToken, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return strategy.RunAsync(items, WorkAdapters.From(work), options, cancellationToken);
    }

    // ---- MapAsync: results in input order, fail-fast ----------------------------------------------------------

    /// <summary>
    /// Yields the results in input order. Fail-fast: the first failure cancels the remaining items and is thrown
    /// (its original exception), like <c>Executor.map</c> or <c>asyncio.gather</c>.
    /// </summary>
    /// <typeparam name="TIn">The type of the input items.</typeparam>
    /// <typeparam name="TOut">The type of the results.</typeparam>
    /// <param name="strategy">The strategy that runs the items.</param>
    /// <param name="items">The items.</param>
    /// <param name="work">The work for one item.</param>
    /// <param name="options">Per-run options, or <see langword="null"/>; <see cref="RunOptions.Ordered"/> is implied.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The results, in input order.</returns>
    public static IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return MapCore(strategy.RunAsync(items, work, MapOptions(options), cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="MapAsync{TIn, TOut}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return MapCore(strategy.RunAsync(new SyncSource<TIn>(items), work, MapOptions(options), cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="MapAsync{TIn, TOut}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Func<TIn, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return MapCore(strategy.RunAsync(new SyncSource<TIn>(items), WorkAdapters.From(work), MapOptions(options), cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="MapAsync{TIn, TOut}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Func<TIn, CancellationToken, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return MapCore(strategy.RunAsync(new SyncSource<TIn>(items), WorkAdapters.From(work), MapOptions(options), cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="MapAsync{TIn, TOut}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Func<TIn, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return MapCore(strategy.RunAsync(items, WorkAdapters.From(work), MapOptions(options), cancellationToken), cancellationToken);
    }

    /// <inheritdoc cref="MapAsync{TIn, TOut}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static IAsyncEnumerable<TOut> MapAsync<TIn, TOut>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Func<TIn, CancellationToken, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return MapCore(strategy.RunAsync(items, WorkAdapters.From(work), MapOptions(options), cancellationToken), cancellationToken);
    }

    // ---- ForEachAsync: side effects, fail-fast ----------------------------------------------------------------

    /// <summary>
    /// Runs side-effect work over every item and completes when all are done. Fail-fast: the first failure
    /// cancels the remaining items and is thrown (its original exception), like <c>Parallel.ForEachAsync</c>.
    /// </summary>
    /// <typeparam name="TIn">The type of the input items.</typeparam>
    /// <param name="strategy">The strategy that runs the items.</param>
    /// <param name="items">The items.</param>
    /// <param name="work">The work for one item.</param>
    /// <param name="options">Per-run options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>A task that completes when every item has run.</returns>
    public static Task ForEachAsync<TIn>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Func<TIn, CancellationToken, ValueTask> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return ForEachCore(strategy.RunAsync(items, WorkAdapters.From(work), ForEachOptions(options), cancellationToken));
    }

    /// <inheritdoc cref="ForEachAsync{TIn}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask}, RunOptions?, CancellationToken)"/>
    public static Task ForEachAsync<TIn>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Func<TIn, CancellationToken, ValueTask> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return ForEachCore(strategy.RunAsync(new SyncSource<TIn>(items), WorkAdapters.From(work), ForEachOptions(options), cancellationToken));
    }

    /// <inheritdoc cref="ForEachAsync{TIn}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask}, RunOptions?, CancellationToken)"/>
    public static Task ForEachAsync<TIn>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Action<TIn> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return ForEachCore(strategy.RunAsync(new SyncSource<TIn>(items), WorkAdapters.From(work), ForEachOptions(options), cancellationToken));
    }

    /// <inheritdoc cref="ForEachAsync{TIn}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask}, RunOptions?, CancellationToken)"/>
    public static Task ForEachAsync<TIn>(
        this IExecutionStrategy strategy, IEnumerable<TIn> items, Action<TIn, CancellationToken> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return ForEachCore(strategy.RunAsync(new SyncSource<TIn>(items), WorkAdapters.From(work), ForEachOptions(options), cancellationToken));
    }

    /// <inheritdoc cref="ForEachAsync{TIn}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask}, RunOptions?, CancellationToken)"/>
    public static Task ForEachAsync<TIn>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Action<TIn> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return ForEachCore(strategy.RunAsync(items, WorkAdapters.From(work), ForEachOptions(options), cancellationToken));
    }

    /// <inheritdoc cref="ForEachAsync{TIn}(IExecutionStrategy, IAsyncEnumerable{TIn}, Func{TIn, CancellationToken, ValueTask}, RunOptions?, CancellationToken)"/>
    public static Task ForEachAsync<TIn>(
        this IExecutionStrategy strategy, IAsyncEnumerable<TIn> items, Action<TIn, CancellationToken> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, items, work);
        return ForEachCore(strategy.RunAsync(items, WorkAdapters.From(work), ForEachOptions(options), cancellationToken));
    }

    // ---- InvokeAsync: one item -------------------------------------------------------------------------------

    /// <summary>Runs one item and returns its result, or throws its original exception (like <c>executor.submit(...).result()</c>).</summary>
    /// <typeparam name="TIn">The type of the input item.</typeparam>
    /// <typeparam name="TOut">The type of the result.</typeparam>
    /// <param name="strategy">The strategy that runs the item.</param>
    /// <param name="item">The input item.</param>
    /// <param name="work">The work.</param>
    /// <param name="options">Per-run options (timeout, resilience), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the item.</param>
    /// <returns>The result.</returns>
    public static Task<TOut> InvokeAsync<TIn, TOut>(
        this IExecutionStrategy strategy, TIn item, Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, work);
        return InvokeCore(strategy, strategy.RunAsync(new SyncSource<TIn>([item]), work, options, cancellationToken));
    }

    /// <inheritdoc cref="InvokeAsync{TIn, TOut}(IExecutionStrategy, TIn, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static Task<TOut> InvokeAsync<TIn, TOut>(
        this IExecutionStrategy strategy, TIn item, Func<TIn, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, work);
        return InvokeCore(strategy, strategy.RunAsync(new SyncSource<TIn>([item]), WorkAdapters.From(work), options, cancellationToken));
    }

    /// <inheritdoc cref="InvokeAsync{TIn, TOut}(IExecutionStrategy, TIn, Func{TIn, CancellationToken, ValueTask{TOut}}, RunOptions?, CancellationToken)"/>
    public static Task<TOut> InvokeAsync<TIn, TOut>(
        this IExecutionStrategy strategy, TIn item, Func<TIn, CancellationToken, TOut> work,
        RunOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(strategy, work);
        return InvokeCore(strategy, strategy.RunAsync(new SyncSource<TIn>([item]), WorkAdapters.From(work), options, cancellationToken));
    }

    // ---- the private cores -----------------------------------------------------------------------------------

    // The public overloads call RunAsync before entering these async cores, so bad options and a disposed
    // strategy throw at the call, like every other argument error.
    private static RunOptions MapOptions(RunOptions? options) => (options ?? new RunOptions()) with { Ordered = true, FailFast = true };

    private static RunOptions ForEachOptions(RunOptions? options) => (options ?? new RunOptions()) with { FailFast = true };

    private static async IAsyncEnumerable<TOut> MapCore<TIn, TOut>(
        IAsyncEnumerable<ItemOutcome<TIn, TOut>> outcomes, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var outcome in outcomes.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            ThrowIfFailed(outcome);
            yield return outcome.Result!;
        }
    }

    private static async Task ForEachCore<TIn>(IAsyncEnumerable<ItemOutcome<TIn, bool>> outcomes)
    {
        await foreach (var outcome in outcomes.ConfigureAwait(false))
        {
            ThrowIfFailed(outcome);
        }
    }

    private static async Task<TOut> InvokeCore<TIn, TOut>(IExecutionStrategy strategy, IAsyncEnumerable<ItemOutcome<TIn, TOut>> outcomes)
    {
        await foreach (var outcome in outcomes.ConfigureAwait(false))
        {
            ThrowIfFailed(outcome);
            return outcome.Result!;
        }

        throw new InvalidOperationException(
            $"The {strategy.GetType().Name} returned no outcome for the item; every IExecutionStrategy must yield exactly one outcome per item.");
    }

    /// <summary>Leaving the enumeration disposes the run, which cancels the rest and waits for it.</summary>
    private static void ThrowIfFailed<TIn, TOut>(in ItemOutcome<TIn, TOut> outcome)
    {
        if (outcome.Error is { } error)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private static void Validate(IExecutionStrategy strategy, object items, Delegate work)
    {
        Validate(strategy, work);
        Guard.NotNull(items, Guard.ItemsFix);
    }

    private static void Validate(IExecutionStrategy strategy, Delegate work)
    {
        Guard.NotNull(strategy, Guard.StrategyFix);
        Guard.NotNull(work, Guard.WorkFix);
    }
}
