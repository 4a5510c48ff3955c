using Concurrency.Strategies.Telemetry;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// The strategy's worker processes: at most <see cref="ProcessStrategyOptions.WorkerCount"/> alive, each leased to
/// one lane at a time. Workers start on demand (or in <see cref="WarmUpAsync"/>), go back to the idle set when a lane
/// releases them, and exit after <see cref="ProcessStrategyOptions.IdleTimeout"/> idle, on recycling, on a crash
/// (replaced on the next lease) and on disposal.
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private readonly ProcessStrategyOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly Stack<WorkerProcess> _idle = new();
    private readonly HashSet<WorkerProcess> _all = new();
    private readonly Queue<TaskCompletionSource<bool>> _waiters = new();
    private readonly HashSet<Task> _stopping = new();
    private readonly CancellationTokenSource _disposal = new();
    private readonly ITimer? _idleTimer;
    private WorkerLauncher? _launcher;
    private int _alive;
    private int _nextId;
    private bool _disposed;

    public WorkerPool(ProcessStrategyOptions options, ILogger logger, TimeProvider time)
    {
        _options = options;
        _logger = logger;
        _time = time;
        if (options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            var period = options.IdleTimeout < TimeSpan.FromSeconds(1) ? options.IdleTimeout : TimeSpan.FromSeconds(1);
            _idleTimer = time.CreateTimer(static s => ((WorkerPool)s!).RetireIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            IdleCheckPeriod = period <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : period;
        }
    }

    private TimeSpan IdleCheckPeriod { get; }

    /// <summary>Gets the number of workers alive or starting.</summary>
    public int Alive => Volatile.Read(ref _alive);

    /// <summary>Gets the process ids of the workers alive now.</summary>
    public IReadOnlyList<int> ProcessIds
    {
        get
        {
            lock (_lock)
            {
                return _all.Where(w => !w.HasEnded).Select(w => w.ProcessId).ToArray();
            }
        }
    }

    /// <summary>The launcher, resolved at first use (so constructing a strategy never throws for it).</summary>
    private WorkerLauncher Launcher => _launcher ??= WorkerLauncher.Create(_options);

    /// <summary>Checks, without starting anything, that workers can be started; throws the launcher's error.</summary>
    public void EnsureLaunchable() => _ = Launcher;

    /// <summary>Leases a worker: an idle one, a new one if fewer than WorkerCount are alive, or the next one released.</summary>
    public async Task<WorkerProcess> AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource<bool>? waiter = null;
            var spawn = false;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                while (_idle.TryPop(out var idle))
                {
                    if (!idle.HasEnded)
                    {
                        return idle;
                    }

                    Forget(idle);
                }

                if (_alive < _options.WorkerCount)
                {
                    _alive++;
                    spawn = true;
                }
                else
                {
                    waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.Enqueue(waiter);
                }
            }

            if (spawn)
            {
                return await SpawnAsync(cancellationToken).ConfigureAwait(false);
            }

            using (cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource<bool>)s!).TrySetCanceled(), waiter))
            {
                await waiter!.Task.ConfigureAwait(false);
            }
        }
    }

    private async Task<WorkerProcess> SpawnAsync(CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        WorkerProcess worker;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposal.Token);
            worker = await WorkerProcess.StartAsync(id, Launcher, _options, _logger, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_lock)
            {
                _alive--;
                WakeOneWaiter();
            }

            if (ex is not OperationCanceledException)
            {
                Log.WorkerStartFailed(_logger, ex.Message, ex);
            }

            throw;
        }

        Record(StrategyMetrics.WorkersStarted, 1);
        Record(StrategyMetrics.WorkersAlive, 1);
        lock (_lock)
        {
            _all.Add(worker);
            if (_disposed)
            {
                _ = StopAsync(worker, kill: true, "the strategy was disposed");
                throw new ObjectDisposedException(nameof(ProcessStrategy));
            }
        }

        return worker;
    }

    /// <summary>Gives a healthy worker back; it is recycled instead when it reached its item or memory limit.</summary>
    public void Release(WorkerProcess worker)
    {
        if (worker.HasEnded)
        {
            Discard(worker);
            return;
        }

        if (_options.MaxItemsPerWorker is { } maxItems && worker.Dispatched >= maxItems)
        {
            worker.RecycleRequested = true;
        }

        if (worker.RecycleRequested)
        {
            Retire(worker, "recycled: it reached MaxItemsPerWorker or MaxWorkerMemoryBytes");
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                _ = StopAsync(worker, kill: false, "the strategy was disposed");
                return;
            }

            worker.IdleSince = _time.GetTimestamp();
            _idle.Push(worker);
            WakeOneWaiter();
            if (_idle.Count == 1)
            {
                _idleTimer?.Change(IdleCheckPeriod, IdleCheckPeriod);
            }
        }
    }

    /// <summary>Replaces a worker on purpose (recycling): graceful shutdown, a new one starts on the next lease.</summary>
    public void Retire(WorkerProcess worker, string reason)
    {
        Record(StrategyMetrics.WorkersRecycled, 1);
        _ = StopAsync(worker, kill: false, reason);
    }

    /// <summary>Kills a worker (item timeout, cancellation) and waits for it to exit; a new one starts on the next lease.</summary>
    public Task KillAsync(WorkerProcess worker, string reason)
    {
        Record(StrategyMetrics.WorkersCrashed, 1);
        return StopAsync(worker, kill: true, reason);
    }

    /// <summary>Forgets a worker that died by itself (a worker this pool killed is already forgotten).</summary>
    public void Discard(WorkerProcess worker)
    {
        bool known;
        lock (_lock)
        {
            known = _all.Contains(worker);
            Forget(worker);
        }

        if (known)
        {
            var exit = worker.Exit.IsCompletedSuccessfully ? worker.Exit.Result : null;
            Log.WorkerCrashed(_logger, worker.Id, worker.ProcessId, exit?.ExitCode, exit?.Signal, exit?.Reason ?? "it died while running items");
            Record(StrategyMetrics.WorkersCrashed, 1);
        }
    }

    /// <summary>Starts workers until <paramref name="count"/> are alive (or WorkerCount), so the first items pay no start-up.</summary>
    public async Task WarmUpAsync(int count, CancellationToken cancellationToken)
    {
        var leased = new List<WorkerProcess>();
        try
        {
            var target = Math.Min(count, _options.WorkerCount);
            var starts = new List<Task<WorkerProcess>>();
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                while (_alive < target)
                {
                    _alive++;
                    starts.Add(SpawnAsync(cancellationToken));
                }
            }

            foreach (var start in starts)
            {
                try
                {
                    leased.Add(await start.ConfigureAwait(false));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                }
            }

            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        finally
        {
            foreach (var worker in leased)
            {
                Release(worker);
            }
        }
    }

    private void RetireIdle()
    {
        var expired = new List<WorkerProcess>();
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            var keep = new List<WorkerProcess>();
            while (_idle.TryPop(out var worker))
            {
                (_time.GetElapsedTime(worker.IdleSince, now) >= _options.IdleTimeout ? expired : keep).Add(worker);
            }

            for (var i = keep.Count - 1; i >= 0; i--)
            {
                _idle.Push(keep[i]);
            }

            if (_idle.Count == 0)
            {
                _idleTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        foreach (var worker in expired)
        {
            Record(StrategyMetrics.WorkersRecycled, 1);
            _ = StopAsync(worker, kill: false, $"idle for {_options.IdleTimeout}");
        }
    }

    private Task StopAsync(WorkerProcess worker, bool kill, string reason)
    {
        var stop = StopCoreAsync(worker, kill, reason);
        lock (_lock)
        {
            if (!stop.IsCompleted)
            {
                _stopping.Add(stop);
                _ = stop.ContinueWith(
                    static (t, s) =>
                    {
                        var pool = (WorkerPool)s!;
                        lock (pool._lock)
                        {
                            pool._stopping.Remove(t);
                        }
                    },
                    this,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }

        return stop;
    }

    private async Task StopCoreAsync(WorkerProcess worker, bool kill, string reason)
    {
        try
        {
            if (kill)
            {
                await worker.KillAsync(reason).ConfigureAwait(false);
            }
            else
            {
                await worker.ShutdownAsync(_options.ShutdownGracePeriod, reason).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                Forget(worker);
            }

            Log.WorkerStopped(_logger, worker.Id, worker.ProcessId, reason, Alive);
        }
    }

    /// <summary>Removes a worker from the pool's counts (under the lock) and lets a waiting lease start a new one.</summary>
    private void Forget(WorkerProcess worker)
    {
        if (_all.Remove(worker))
        {
            Record(StrategyMetrics.WorkersAlive, -1);
            _alive--;
            WakeOneWaiter();
        }
    }

    private void WakeOneWaiter()
    {
        while (_waiters.TryDequeue(out var waiter))
        {
            if (waiter.TrySetResult(true))
            {
                return;
            }
        }
    }

    private static readonly KeyValuePair<string, object?> ProcessTag = StrategyMetrics.TagFor(StrategyKind.Process);

    private static void Record(System.Diagnostics.Metrics.Counter<long> counter, long value)
    {
        if (counter.Enabled)
        {
            counter.Add(value, ProcessTag);
        }
    }

    private static void Record(System.Diagnostics.Metrics.UpDownCounter<long> counter, long value)
    {
        if (counter.Enabled)
        {
            counter.Add(value, ProcessTag);
        }
    }

    /// <summary>Stops every worker: idle ones gracefully (killed after the grace period), and waits for all to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        WorkerProcess[] all;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = _all.ToArray();
            _idle.Clear();
            while (_waiters.TryDequeue(out var waiter))
            {
                waiter.TrySetException(new ObjectDisposedException(nameof(ProcessStrategy)));
            }
        }

        await _disposal.CancelAsync().ConfigureAwait(false);
        _idleTimer?.Dispose();
        var stops = all.Select(w => StopAsync(w, kill: false, "the strategy was disposed")).ToList();
        Task[] stopping;
        lock (_lock)
        {
            stopping = _stopping.ToArray();
        }

        await Task.WhenAll(stops.Concat(stopping)).ConfigureAwait(false);
        _disposal.Dispose();
    }
}
