namespace Concurrency.Strategies;

/// <summary>The outcome of one work item: its result or its error, never both.</summary>
/// <typeparam name="TIn">The type of the input item.</typeparam>
/// <typeparam name="TOut">The type of the result.</typeparam>
/// <param name="Index">The zero-based position of the item in the input sequence.</param>
/// <param name="Item">The input item.</param>
/// <param name="Result">The result when the item succeeded; otherwise <see langword="default"/>.</param>
/// <param name="Error">The exception when the item failed; otherwise <see langword="null"/>. A timed-out item holds a <see cref="TimeoutException"/>.</param>
/// <param name="Duration">How long the item took, all attempts included.</param>
/// <param name="Attempts">How many times the work ran for this item (more than 1 when a resilience pipeline retried it).</param>
public readonly record struct ItemOutcome<TIn, TOut>(
    long Index, TIn Item, TOut? Result, Exception? Error, TimeSpan Duration, int Attempts)
{
    /// <summary>Gets a value indicating whether the item succeeded.</summary>
    public bool Succeeded => Error is null;
}
