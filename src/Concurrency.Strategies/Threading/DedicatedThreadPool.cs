using Concurrency.Strategies.Telemetry;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Threading;

/// <summary>
/// The dedicated (non-pool) threads of one <see cref="ThreadStrategy"/>. A thread starts only when work is queued
/// and no idle thread can take it, and exits after <see cref="ThreadStrategyOptions.IdleTimeout"/> without work
/// or on disposal. Work items are lanes, which run until their run ends, so the number of threads equals the
/// number of lanes of the runs in progress. The caller's <see cref="ExecutionContext"/> flows to the lane, so
/// <see cref="System.Diagnostics.Activity.Current"/> and other async-locals reach the work.
/// </summary>
internal sealed class DedicatedThreadPool : IDisposable
{
    private readonly object _lock = new();
    private readonly Queue<(Action<object?> Work, object? State, ExecutionContext? Context)> _queue = new();
    private readonly HashSet<Thread> _threads = new();
    private readonly TimeSpan _idleTimeout;
    private readonly string _namePrefix;
    private readonly ILogger _logger;
    private TaskCompletionSource? _noThreads;
    private int _idle;
    private int _created;
    private bool _disposed;

    public DedicatedThreadPool(TimeSpan idleTimeout, string namePrefix, ILogger logger)
    {
        _idleTimeout = idleTimeout;
        _namePrefix = namePrefix;
        _logger = logger;
    }

    /// <summary>Gets the number of threads alive now (running a lane or idle).</summary>
    public int LiveThreads
    {
        get
        {
            lock (_lock)
            {
                return _threads.Count;
            }
        }
    }

    /// <summary>Completes when no thread is alive (all exited on idle or disposal): an event to wait on.</summary>
    public Task WhenNoThreadsAsync()
    {
        lock (_lock)
        {
            if (_threads.Count == 0)
            {
                return Task.CompletedTask;
            }

            _noThreads ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _noThreads.Task;
        }
    }

    /// <summary>Gets the number of threads started since creation.</summary>
    public int CreatedThreads => Volatile.Read(ref _created);

    public void Schedule(Action<object?> work, object? state)
    {
        var context = ExecutionContext.Capture();
        Thread? start = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue((work, state, context));
            if (_queue.Count > _idle)
            {
                start = new Thread(ThreadMain)
                {
                    IsBackground = true,
                    Name = $"{_namePrefix} #{Interlocked.Increment(ref _created)}",
                };
                _threads.Add(start);
            }
            else
            {
                Monitor.Pulse(_lock);
            }
        }

        if (start is not null)
        {
            try
            {
                start.Start();
            }
            catch
            {
                lock (_lock)
                {
                    _threads.Remove(start);
                }

                throw;
            }
        }
    }

    private void ThreadMain()
    {
        var name = Thread.CurrentThread.Name ?? _namePrefix;
        Quietly(() => Log.ThreadStarted(_logger, name, LiveThreads));
        var reason = "disposed";
        try
        {
            while (TryTake(out var next, ref reason))
            {
                if (next.Context is null)
                {
                    next.Work(next.State);
                }
                else
                {
                    ExecutionContext.Run(next.Context, static s => { var (w, st) = ((Action<object?>, object?))s!; w(st); }, (next.Work, next.State));
                }
            }
        }
        finally
        {
            int live;
            lock (_lock)
            {
                _threads.Remove(Thread.CurrentThread);
                live = _threads.Count;
                Monitor.PulseAll(_lock);
                if (live == 0 && _noThreads is { } noThreads)
                {
                    _noThreads = null;
                    noThreads.TrySetResult();
                }
            }

            Quietly(() => Log.ThreadExited(_logger, name, reason, live));
        }
    }

    private bool TryTake(out (Action<object?> Work, object? State, ExecutionContext? Context) next, ref string reason)
    {
        lock (_lock)
        {
            while (_queue.Count == 0)
            {
                if (_disposed)
                {
                    reason = "disposed";
                    next = default;
                    return false;
                }

                _idle++;
                var signalled = Monitor.Wait(_lock, _idleTimeout);
                _idle--;
                if (!signalled && _queue.Count == 0 && !_disposed)
                {
                    reason = "idle";
                    next = default;
                    return false;
                }
            }

            next = _queue.Dequeue();
            return true;
        }
    }

    /// <summary>An exception on a dedicated thread ends the process, so a failing log provider must not throw here.</summary>
    private static void Quietly(Action log)
    {
        try
        {
            log();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Logging is best effort on worker threads.
        }
    }

    /// <summary>Stops every thread once it is idle and waits until all have exited. Lanes must have ended first.</summary>
    public void Dispose()
    {
        Thread[] threads;
        lock (_lock)
        {
            _disposed = true;
            Monitor.PulseAll(_lock);
            threads = _threads.ToArray();
        }

        foreach (var thread in threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join();
            }
        }
    }
}
