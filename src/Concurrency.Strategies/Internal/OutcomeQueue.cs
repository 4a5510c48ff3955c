namespace Concurrency.Strategies.Internal;

/// <summary>
/// Carries outcomes from the lanes to the single consumer. Lanes append under a short lock; the consumer swaps
/// the whole pending list for its drained one, so the steady state allocates nothing and the consumer walks a
/// batch without synchronization. Continuations run asynchronously so a lane never runs the consumer's code.
/// </summary>
internal sealed class OutcomeQueue<T>
{
    private readonly object _lock = new();
    private List<T> _pending = new();
    private TaskCompletionSource? _waiter;
    private bool _completed;
    private volatile bool _consumerWaiting;
    private bool _pendingHint;

    /// <summary>Gets a value indicating whether the consumer has found the queue empty and is (about to be) waiting.</summary>
    public bool ConsumerWaiting => _consumerWaiting;

    /// <summary>Gets a racy hint that outcomes are pending, for the consumer's brief spin before it waits.</summary>
    public bool HasPending => Volatile.Read(ref _pendingHint);

    public void Publish(in T outcome)
    {
        lock (_lock)
        {
            _pending.Add(outcome);
            WakeLocked();
        }
    }

    /// <summary>Takes whatever is pending without arming a wait; <see langword="false"/> when nothing is.</summary>
    public bool TryTakeNow(ref List<T> drained)
    {
        if (!HasPending)
        {
            return false;
        }

        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                return false;
            }

            (_pending, drained) = (drained, _pending);
            Volatile.Write(ref _pendingHint, false);
            return true;
        }
    }

    /// <summary>Wakes a waiting consumer; thread lanes call it after adding to their outbox.</summary>
    public void Wake()
    {
        lock (_lock)
        {
            WakeLocked();
        }
    }

    /// <summary>Marks the end: no lane will publish again.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            WakeLocked();
        }
    }

    /// <summary>
    /// Swaps <paramref name="drained"/> (which must be empty) for the pending outcomes. Returns
    /// <see langword="true"/> with a non-empty list, or <see langword="false"/> with <paramref name="wait"/> set to
    /// a task to await (or <see langword="null"/> when the queue is complete and empty).
    /// </summary>
    public bool TryTake(ref List<T> drained, out Task? wait)
    {
        lock (_lock)
        {
            if (_pending.Count > 0)
            {
                (_pending, drained) = (drained, _pending);
                Volatile.Write(ref _pendingHint, false);
                wait = null;
                return true;
            }

            if (_completed)
            {
                wait = null;
                return false;
            }

            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _consumerWaiting = true;
            wait = _waiter.Task;
            return false;
        }
    }

    private void WakeLocked()
    {
        Volatile.Write(ref _pendingHint, _pending.Count > 0);
        if (_waiter is { } waiter)
        {
            _waiter = null;
            _consumerWaiting = false;
            waiter.TrySetResult();
        }
    }
}
