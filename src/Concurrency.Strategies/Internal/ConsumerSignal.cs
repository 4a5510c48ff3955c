namespace Concurrency.Strategies.Internal;

/// <summary>
/// How lanes and the single consumer tell each other that outcomes wait or that the run is over. Outcomes travel
/// in the lanes' <see cref="LaneOutbox{T}"/>es; this only carries wake-ups, so lanes pay for one only when the
/// consumer is actually waiting. Continuations run asynchronously, so a lane never runs the consumer's code.
/// </summary>
internal sealed class ConsumerSignal
{
    private readonly object _lock = new();
    private TaskCompletionSource? _waiter;
    private bool _completed;
    private volatile bool _consumerWaiting;

    /// <summary>Gets a value indicating whether the consumer has armed a wait and not been woken since.</summary>
    public bool ConsumerWaiting => _consumerWaiting;

    /// <summary>
    /// Marks the consumer waiting and returns what to await, or <see langword="null"/> once the run is complete.
    /// The consumer must look at the outboxes once more after arming: a lane that adds from now on sees the mark.
    /// </summary>
    public Task? Arm()
    {
        lock (_lock)
        {
            if (_completed)
            {
                return null;
            }

            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _consumerWaiting = true;
            return _waiter.Task;
        }
    }

    /// <summary>Wakes a waiting consumer.</summary>
    public void Wake()
    {
        lock (_lock)
        {
            WakeLocked();
        }
    }

    /// <summary>Marks the end: every lane has exited, after adding its last outcome.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            WakeLocked();
        }
    }

    private void WakeLocked()
    {
        if (_waiter is { } waiter)
        {
            _waiter = null;
            _consumerWaiting = false;
            waiter.TrySetResult();
        }
    }
}
