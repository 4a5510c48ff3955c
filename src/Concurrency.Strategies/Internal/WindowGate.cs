namespace Concurrency.Strategies.Internal;

/// <summary>
/// Bounds how far a run may get ahead of its consumer: at most <see cref="Capacity"/> items may be pulled from
/// the source and not yet delivered. Lanes acquire room before they pull; the consumer releases it as it takes
/// outcomes (in input order when the run is ordered, so the same bound caps the reorder buffer).
/// </summary>
internal sealed class WindowGate
{
    private readonly object _lock = new();
    private long _admitted;
    private long _released;
    private int _blockedWaiters;
    private TaskCompletionSource? _asyncWaiter;
    private bool _closed;

    private readonly Action _onFull;

    /// <param name="capacity">Items pulled and not yet taken by the consumer, at most.</param>
    /// <param name="onFull">Called (outside the lock) before a lane waits for room: the consumer must be woken
    /// then, since outcomes it has not been told about may be all that stands between the lane and room.</param>
    public WindowGate(int capacity, Action onFull)
    {
        Capacity = capacity;
        _onFull = onFull;
    }

    public int Capacity { get; }

    /// <summary>
    /// Blocks until there is room for <paramref name="minimum"/> items (1 for automatic chunks, the whole chunk for a
    /// fixed <see cref="RunOptions.BatchSize"/>); grants up to <paramref name="wanted"/>, or 0 once closed.
    /// </summary>
    public int Acquire(int wanted, int minimum)
    {
        var toldConsumer = false;
        while (true)
        {
            lock (_lock)
            {
                if (_closed)
                {
                    return 0;
                }

                if (Capacity - (int)(_admitted - _released) >= Math.Min(minimum, Capacity))
                {
                    return GrantLocked(wanted);
                }

                if (toldConsumer)
                {
                    _blockedWaiters++;
                    Monitor.Wait(_lock);
                    _blockedWaiters--;
                    continue;
                }
            }

            _onFull();
            toldConsumer = true;
        }
    }

    /// <summary>Takes up to <paramref name="wanted"/> units of room without waiting; 0 when full or closed.</summary>
    public int TryAcquire(int wanted)
    {
        lock (_lock)
        {
            return _closed ? 0 : GrantLocked(wanted);
        }
    }

    /// <summary>Waits asynchronously until room for one item; returns <see langword="false"/> once closed.</summary>
    public ValueTask<bool> AcquireOneAsync()
    {
        lock (_lock)
        {
            if (_closed)
            {
                return new(false);
            }

            if (GrantLocked(1) == 1)
            {
                return new(true);
            }
        }

        _onFull();
        return WaitThenAcquireAsync();
    }

    private async ValueTask<bool> WaitThenAcquireAsync()
    {
        while (true)
        {
            Task waitFor;
            lock (_lock)
            {
                if (_closed)
                {
                    return false;
                }

                if (GrantLocked(1) == 1)
                {
                    return true;
                }

                _asyncWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waitFor = _asyncWaiter.Task;
            }

            await waitFor.ConfigureAwait(false);
        }
    }

    /// <summary>Gives back room that was acquired but not used (the source ran dry).</summary>
    public void Return(int count) => Release(count);

    /// <summary>Frees room as the consumer takes outcomes.</summary>
    public void Release(int count)
    {
        if (count <= 0)
        {
            return;
        }

        lock (_lock)
        {
            _released += count;
            WakeLocked();
        }
    }

    /// <summary>Wakes every waiter for good: the run is stopping.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            WakeLocked();
        }
    }

    private int GrantLocked(int wanted)
    {
        var room = Capacity - (int)(_admitted - _released);
        var granted = Math.Min(wanted, room);
        if (granted <= 0)
        {
            return 0;
        }

        _admitted += granted;
        return granted;
    }

    private void WakeLocked()
    {
        if (_blockedWaiters > 0)
        {
            Monitor.PulseAll(_lock);
        }

        if (_asyncWaiter is { } waiter)
        {
            _asyncWaiter = null;
            waiter.TrySetResult();
        }
    }
}
