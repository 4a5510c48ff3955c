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

    public WindowGate(int capacity) => Capacity = capacity;

    public int Capacity { get; }

    /// <summary>
    /// Blocks until there is room for <paramref name="minimum"/> items (1 for automatic chunks, the whole chunk for a
    /// fixed <see cref="RunOptions.BatchSize"/>); grants up to <paramref name="wanted"/>, or 0 once closed.
    /// </summary>
    public int Acquire(int wanted, int minimum)
    {
        lock (_lock)
        {
            while (true)
            {
                if (_closed)
                {
                    return 0;
                }

                if (Capacity - (int)(_admitted - _released) >= Math.Min(minimum, Capacity))
                {
                    return GrantLocked(wanted);
                }

                _blockedWaiters++;
                Monitor.Wait(_lock);
                _blockedWaiters--;
            }
        }
    }

    /// <summary>Waits asynchronously until room for one item; returns <see langword="false"/> once closed.</summary>
    public ValueTask<bool> AcquireOneAsync()
    {
        Task waitFor;
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

            _asyncWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waitFor = _asyncWaiter.Task;
        }

        return WaitThenAcquireAsync(waitFor);
    }

    private async ValueTask<bool> WaitThenAcquireAsync(Task waitFor)
    {
        while (true)
        {
            await waitFor.ConfigureAwait(false);
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
