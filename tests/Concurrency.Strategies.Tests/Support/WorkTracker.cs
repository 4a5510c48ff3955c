namespace Concurrency.Strategies.Tests.Support;

/// <summary>Counts work that is running, has started, and the most that ever ran at once.</summary>
internal sealed class WorkTracker
{
    private int _running;
    private int _maxRunning;
    private int _started;

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
}
