namespace Concurrency.Strategies.Internal;

/// <summary>
/// Carries a synchronous source through the <see cref="IAsyncEnumerable{T}"/> contract. The engine recognises it
/// and pulls the underlying enumerator directly, in chunks and without an await per item; any other consumer
/// still sees a valid asynchronous sequence.
/// </summary>
internal sealed class SyncSource<T>(IEnumerable<T> items) : IAsyncEnumerable<T>
{
    public IEnumerable<T> Items { get; } = items;

    public async IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        foreach (var item in Items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return item;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <summary>The item count when it is known without enumerating.</summary>
    public long? KnownCount => Items switch
    {
        ICollection<T> c => c.Count,
        IReadOnlyCollection<T> r => r.Count,
        System.Collections.ICollection n => n.Count,
        _ => null,
    };
}
