using Concurrency.Strategies.Telemetry;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// The strategy's worker processes: at most <see cref="ProcessStrategyOptions.WorkerCount"/> alive, each leased to
/// one lane at a time. A released worker goes straight to the first waiting lease (runs share workers fairly), else
/// to the idle set; workers start on demand (or in <see cref="WarmUpAsync"/>), and exit after
/// <see cref="ProcessStrategyOptions.IdleTimeout"/> idle, on recycling, on a crash and on disposal. Each worker is
/// stopped exactly once (<see cref="StopAsync"/> keeps one task per worker).
/// </summary>
internal sealed class WorkerPool : IAsyncDisposable
{
    private static readonly KeyValuePair<string, object?> ProcessTag = StrategyMetrics.TagFor(StrategyKind.Process);

    private readonly ProcessStrategyOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly Stack<WorkerProcess> _idle = new();
    private readonly HashSet<WorkerProcess> _all = new();
    private readonly Dictionary<WorkerProcess, Task> _stops = new();

    /// <summary>Leases waiting for a worker: completed with a released worker, or with null when they may start one.</summary>
    private readonly Queue<TaskCompletionSource<WorkerProcess?>> _waiters = new();
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
            IdleCheckPeriod = period <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : period;
            _idleTimer = time.CreateTimer(static s => ((WorkerPool)s!).RetireIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private TimeSpan IdleCheckPeriod { get; }

    /// <summary>Gets the number of workers alive or starting.</summary>
    public int Alive => Volatile.Read(ref _alive);

    /// <summary>Gets a value indicating whether a lease is waiting for a worker: a lane then gives its worker back between batches.</summary>
    public bool HasWaiters
    {
        get
        {
            lock (_lock)
            {
                foreach (var waiter in _waiters)
                {
                    if (!waiter.Task.IsCompleted)
                    {
                        return true;
                    }
                }

                return false;
            }
        }
    }

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
            cancellationToken.ThrowIfCancellationRequested();
            TaskCompletionSource<WorkerProcess?> waiter;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                while (_idle.TryPop(out var idle))
                {
                    if (!idle.IsGone())
                    {
                        return idle;
                    }

                    DiscardLocked(idle);
                }

                if (_alive < _options.WorkerCount)
                {
                    _alive++;
                    break;
                }

                waiter = new TaskCompletionSource<WorkerProcess?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Enqueue(waiter);
            }

            WorkerProcess? handed;
            using (cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource<WorkerProcess?>)s!).TrySetCanceled(), waiter))
            {
                handed = await waiter.Task.ConfigureAwait(false);
            }

            if (handed is null && cancellationToken.IsCancellationRequested)
            {
                // We were offered a free slot but no longer want it: pass it on, or the next lease may wait forever.
                lock (_lock)
                {
                    OfferCapacityLocked();
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            if (handed is not null)
            {
                if (!handed.IsGone())
                {
                    return handed;
                }

                Discard(handed);
            }
        }

        return await SpawnAsync(cancellationToken).ConfigureAwait(false);
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
                OfferCapacityLocked();
            }

            if (ex is not OperationCanceledException)
            {
                Log.WorkerStartFailed(_logger, ex.Message, ex);
            }

            throw;
        }

        Record(StrategyMetrics.WorkersStarted, 1);
        Record(StrategyMetrics.WorkersAlive, 1);
        bool disposed;
        lock (_lock)
        {
            _all.Add(worker);
            disposed = _disposed;
        }

        if (disposed)
        {
            _ = StopAsync(worker, kill: true, "the strategy was disposed");
            throw new ObjectDisposedException(nameof(ProcessStrategy));
        }

        return worker;
    }

    /// <summary>Gives a worker back: to the first waiting lease, or to the idle set; recycled if it reached a limit.</summary>
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

            while (_waiters.TryDequeue(out var waiter))
            {
                if (waiter.TrySetResult(worker))
                {
                    return;
                }
            }

            worker.IdleSince = _time.GetTimestamp();
            _idle.Push(worker);
            if (_idle.Count == 1)
            {
                _idleTimer?.Change(IdleCheckPeriod, IdleCheckPeriod);
            }
        }
    }

    /// <summary>Replaces a worker on purpose (recycling): graceful shutdown; a new one starts on the next lease.</summary>
    public void Retire(WorkerProcess worker, string reason)
    {
        Record(StrategyMetrics.WorkersRecycled, 1);
        _ = StopAsync(worker, kill: false, reason);
    }

    /// <summary>Kills a worker (item timeout, cancellation, protocol error) and waits for it to exit; a new one starts on the next lease.</summary>
    public Task KillAsync(WorkerProcess worker, string reason)
    {
        Record(StrategyMetrics.WorkersCrashed, 1);
        return StopAsync(worker, kill: true, reason);
    }

    /// <summary>Forgets a worker that died by itself and releases its resources (a worker this pool stopped is already handled).</summary>
    public void Discard(WorkerProcess worker)
    {
        lock (_lock)
        {
            DiscardLocked(worker);
        }
    }

    private void DiscardLocked(WorkerProcess worker)
    {
        if (_stops.ContainsKey(worker) || !_all.Contains(worker))
        {
            return;
        }

        var exit = worker.Exit.IsCompletedSuccessfully ? worker.Exit.Result : null;
        Log.WorkerCrashed(_logger, worker.Id, worker.ProcessId, exit?.ExitCode, exit?.Signal, exit?.Reason ?? "it died");
        Record(StrategyMetrics.WorkersCrashed, 1);
        StopLocked(worker, kill: true, "it died");
    }

    /// <summary>Starts workers until <paramref name="count"/> are alive (at most WorkerCount), so the first items pay no start-up.</summary>
    public async Task WarmUpAsync(int count, CancellationToken cancellationToken)
    {
        int reserved;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            reserved = Math.Max(0, Math.Min(count, _options.WorkerCount) - _alive);
            _alive += reserved;
        }

        // Started outside the lock: a start that fails at once gives its slot back in SpawnAsync.
        var starts = new List<Task<WorkerProcess>>(reserved);
        for (var i = 0; i < reserved; i++)
        {
            starts.Add(SpawnAsync(cancellationToken));
        }

        try
        {
            await Task.WhenAll(starts).ConfigureAwait(false);
        }
        finally
        {
            // Every worker that did start goes to the pool, even when another failed to.
            foreach (var start in starts)
            {
                if (start.IsCompletedSuccessfully)
                {
                    Release(start.Result);
                }
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

            foreach (var worker in expired)
            {
                Record(StrategyMetrics.WorkersRecycled, 1);
                StopLocked(worker, kill: false, $"idle for {_options.IdleTimeout}");
            }
        }
    }

    /// <summary>Stops a worker once; later calls get the same task.</summary>
    private Task StopAsync(WorkerProcess worker, bool kill, string reason)
    {
        lock (_lock)
        {
            return StopLocked(worker, kill, reason);
        }
    }

    private Task StopLocked(WorkerProcess worker, bool kill, string reason)
    {
        if (_stops.TryGetValue(worker, out var stopping))
        {
            return stopping;
        }

        var stop = Task.Run(() => StopCoreAsync(worker, kill, reason));
        _stops[worker] = stop;
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
                if (_all.Remove(worker))
                {
                    Record(StrategyMetrics.WorkersAlive, -1);
                    _alive--;
                    OfferCapacityLocked();
                }

                _stops.Remove(worker);
            }

            Log.WorkerStopped(_logger, worker.Id, worker.ProcessId, reason, Alive);
        }
    }

    /// <summary>A slot is free: the first waiting lease may start a worker.</summary>
    private void OfferCapacityLocked()
    {
        while (_waiters.TryDequeue(out var waiter))
        {
            if (waiter.TrySetResult(null))
            {
                return;
            }
        }
    }

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

    /// <summary>Stops every worker: gracefully (killed after the grace period), and waits for all to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        Task[] stops;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _idle.Clear();
            while (_waiters.TryDequeue(out var waiter))
            {
                waiter.TrySetException(new ObjectDisposedException(nameof(ProcessStrategy)));
            }

            foreach (var worker in _all.ToArray())
            {
                StopLocked(worker, kill: false, "the strategy was disposed");
            }

            stops = _stops.Values.ToArray();
        }

        await _disposal.CancelAsync().ConfigureAwait(false);
        _idleTimer?.Dispose();
        await Task.WhenAll(stops).ConfigureAwait(false);
        _disposal.Dispose();
    }
}
