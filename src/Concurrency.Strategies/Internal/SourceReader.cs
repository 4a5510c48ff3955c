namespace Concurrency.Strategies.Internal;

/// <summary>
/// Pulls items from the run's source and numbers them. Calls into the source are serialized: a synchronous
/// source under a monitor (thread lanes take whole chunks per lock), an asynchronous one under an async lock.
/// </summary>
internal sealed class SourceReader<T> : IAsyncDisposable
{
    private readonly IEnumerator<T>? _sync;
    private readonly IAsyncEnumerator<T>? _async;
    private readonly object _lock = new();
    private readonly SemaphoreSlim _asyncLock = new(1, 1);
    private long _nextIndex;
    private bool _exhausted;

    public SourceReader(IAsyncEnumerable<T> items, CancellationToken cancellationToken)
    {
        if (items is SyncSource<T> sync)
        {
            _sync = sync.Items.GetEnumerator();
        }
        else
        {
            _async = items.GetAsyncEnumerator(cancellationToken);
        }
    }

    /// <summary>A <c>MoveNextAsync</c> that <see cref="TakeAsync"/> started but did not wait for.</summary>
    private Task<bool>? _pendingMove;

    /// <summary>Gets the number of items pulled so far.</summary>
    public long Pulled => Volatile.Read(ref _nextIndex);

    /// <summary>Gets a value indicating whether the source has no more items.</summary>
    public bool Exhausted => Volatile.Read(ref _exhausted);

    /// <summary>Blocks until up to <paramref name="max"/> items are pulled into <paramref name="buffer"/>; for dedicated threads.</summary>
    public int Take(T[] buffer, int max, out long firstIndex)
    {
        lock (_lock)
        {
            firstIndex = _nextIndex;
            if (_exhausted)
            {
                return 0;
            }

            var taken = 0;
            while (taken < max)
            {
                if (!MoveNextBlocking())
                {
                    Volatile.Write(ref _exhausted, true);
                    break;
                }

                buffer[taken++] = _sync is not null ? _sync.Current : _async!.Current;
            }

            Volatile.Write(ref _nextIndex, _nextIndex + taken);
            return taken;
        }
    }

    /// <summary>Pulls one item; for async lanes.</summary>
    public ValueTask<(bool Has, T Item, long Index)> TakeOneAsync(CancellationToken cancellationToken)
    {
        if (_sync is not null)
        {
            lock (_lock)
            {
                if (_exhausted || !_sync.MoveNext())
                {
                    Volatile.Write(ref _exhausted, true);
                    return new((false, default!, _nextIndex));
                }

                var index = _nextIndex;
                Volatile.Write(ref _nextIndex, index + 1);
                return new((true, _sync.Current, index));
            }
        }

        return TakeOneFromAsyncSourceAsync(cancellationToken);
    }

    private async ValueTask<(bool Has, T Item, long Index)> TakeOneFromAsyncSourceAsync(CancellationToken cancellationToken)
    {
        await _asyncLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_exhausted || !await _async!.MoveNextAsync().ConfigureAwait(false))
            {
                Volatile.Write(ref _exhausted, true);
                return (false, default!, _nextIndex);
            }

            var index = _nextIndex;
            Volatile.Write(ref _nextIndex, index + 1);
            return (true, _async.Current, index);
        }
        finally
        {
            _asyncLock.Release();
        }
    }

    /// <summary>
    /// Pulls up to <paramref name="max"/> items without blocking a pool thread on an asynchronous source; for process
    /// lanes. Once it has an item it does not wait for the next one: a pending <c>MoveNextAsync</c> is kept for the
    /// next call, so a slow source sends what it has instead of holding a batch back.
    /// </summary>
    public async ValueTask<(int Count, long FirstIndex)> TakeAsync(T[] buffer, int max, CancellationToken cancellationToken)
    {
        if (_sync is not null)
        {
            var count = Take(buffer, max, out var first);
            return (count, first);
        }

        await _asyncLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var firstIndex = _nextIndex;
            var taken = 0;
            while (taken < max && !_exhausted)
            {
                ValueTask<bool> move;
                if (_pendingMove is { } pending)
                {
                    _pendingMove = null;
                    move = new ValueTask<bool>(pending);
                }
                else
                {
                    move = _async!.MoveNextAsync();
                }

                if (!move.IsCompleted && taken > 0)
                {
                    _pendingMove = move.AsTask();
                    break;
                }

                if (!await move.ConfigureAwait(false))
                {
                    Volatile.Write(ref _exhausted, true);
                    break;
                }

                buffer[taken++] = _async!.Current;
            }

            Volatile.Write(ref _nextIndex, _nextIndex + taken);
            return (taken, firstIndex);
        }
        finally
        {
            _asyncLock.Release();
        }
    }

    private bool MoveNextBlocking()
    {
        if (_sync is not null)
        {
            return _sync.MoveNext();
        }

        // A dedicated thread may block on an asynchronous source: it is not a pool thread, so nothing starves.
        var pending = _async!.MoveNextAsync();
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _sync?.Dispose();
            if (_pendingMove is { } pending)
            {
                try
                {
                    await pending.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The run is over; the source's own error or cancellation no longer matters.
                }
            }

            if (_async is not null)
            {
                await _async.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _asyncLock.Dispose();
        }
    }
}
