namespace Concurrency.Strategies.Tests.Support;

/// <summary>Counts work that is running, has started, and the most that ever ran at once.</summary>
internal sealed class WorkTracker
{
    private int _running;
    private int _maxRunning;
    private int _started;
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = new();

    public int Running => Volatile.Read(ref _running);

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    public int Started => Volatile.Read(ref _started);

    public int Enter()
    {
        Interlocked.Increment(ref _started);
        var now = Interlocked.Increment(ref _running);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRunning)) && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }

        lock (_waiters)
        {
            foreach (var (count, reached) in _waiters)
            {
                if (now >= count)
                {
                    reached.TrySetResult();
                }
            }
        }

        return now;
    }

    public void Exit() => Interlocked.Decrement(ref _running);

    /// <summary>Work that runs until its token is cancelled, counted while it runs.</summary>
    public async ValueTask<T> RunUntilCancelledAsync<T>(T result, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return result;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> items run at once: an event to wait on, not a poll.</summary>
    public Task WhenRunning(int count)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((count, reached));
            if (Running >= count)
            {
                reached.TrySetResult();
            }
        }

        return reached.Task;
    }
}
