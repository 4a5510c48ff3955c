namespace Concurrency.Strategies;

/// <summary>
/// Runs many work items with bounded concurrency and streams one outcome per item.
/// </summary>
/// <remarks>
/// Every implementation obeys the same contract: exactly one <see cref="ItemOutcome{TIn, TOut}"/> per input
/// item (none lost, none duplicated), at most <see cref="MaxConcurrency"/> items running at once, input pulled
/// lazily with a bounded read-ahead, and cancellation or disposal that leaves no work running once the
/// enumeration has ended. Convenience overloads (<c>MapAsync</c>, <c>ForEachAsync</c>, <c>InvokeAsync</c>,
/// <see cref="IEnumerable{T}"/> sources, synchronous work) live in <see cref="ExecutionStrategyExtensions"/>.
/// </remarks>
public interface IExecutionStrategy : IAsyncDisposable
{
    /// <summary>Gets the kind of this strategy.</summary>
    StrategyKind Kind { get; }

    /// <summary>Gets the number of items a run keeps in flight at most, unless <see cref="RunOptions.MaxConcurrency"/> says otherwise.</summary>
    int MaxConcurrency { get; }

    /// <summary>
    /// Runs <paramref name="work"/> over <paramref name="items"/> and streams one outcome per item as soon as
    /// it finishes (completion order, or input order when <see cref="RunOptions.Ordered"/> is set).
    /// </summary>
    /// <typeparam name="TIn">The type of the input items.</typeparam>
    /// <typeparam name="TOut">The type of the results.</typeparam>
    /// <param name="items">The items; pulled lazily, so an infinite source streams in constant memory.</param>
    /// <param name="work">The work to run for each item. It receives a token that is cancelled when the run is cancelled or the item times out.</param>
    /// <param name="options">Per-run options; <see langword="null"/> uses the strategy's defaults.</param>
    /// <param name="cancellationToken">Cancels the run: stops pulling input and cancels running work.</param>
    /// <returns>The outcomes. A failed item is an outcome with <see cref="ItemOutcome{TIn, TOut}.Error"/> set, never an exception.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> or <paramref name="work"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds a value this strategy cannot honour.</exception>
    /// <exception cref="ObjectDisposedException">The strategy has been disposed.</exception>
    /// <exception cref="OperationCanceledException">Thrown by the enumeration when <paramref name="cancellationToken"/> is cancelled.</exception>
    IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null,
        CancellationToken cancellationToken = default);
}
