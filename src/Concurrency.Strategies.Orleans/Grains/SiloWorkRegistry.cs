using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Concurrency.Strategies.Processes.Protocol;
using Concurrency.Strategies.Processes.Worker;
using Concurrency.Strategies.Telemetry;

namespace Concurrency.Strategies.Orleans.Grains;

/// <summary>
/// What a silo keeps for the worker grains, registered by <c>AddConcurrencyStrategiesWorkers()</c>: one invoker per
/// distinct work (resolving the method, the types and the serializer costs reflection, so it is done once per silo),
/// and the items running now, by call id, so that a cancel call reaches the item whichever activation runs it.
/// </summary>
internal sealed class SiloWorkRegistry
{
    /// <summary>More distinct works than this and the invoker cache starts over (a caller generating work methods would otherwise grow it forever).</summary>
    internal const int MaxCachedInvokers = 1024;

    /// <summary>Cancels that found no running item are kept this long, for the item they overtook.</summary>
    internal static readonly TimeSpan EarlyCancelLifetime = TimeSpan.FromMinutes(1);

    private const int EarlyCancelPruneAbove = 1024;

    private static readonly Counter<long> ItemsRun = StrategyMetrics.Meter.CreateCounter<long>(
        "concurrency.strategies.cluster.silo.items", "{item}", "Items a silo ran for ClusterStrategy runs.");

    private readonly ConcurrentDictionary<string, WorkInvoker> _invokers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();
    private readonly ConcurrentDictionary<Guid, long> _earlyCancels = new();
    private long _succeeded;
    private long _failed;
    private long _cancelled;
    private long _lastPrune = Environment.TickCount64;

    /// <summary>Gets how many items this silo ran that succeeded.</summary>
    public long Succeeded => Interlocked.Read(ref _succeeded);

    /// <summary>Gets how many items this silo ran that failed (cancelled ones included).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Gets how many cancel calls reached a running item (or one about to start) on this silo.</summary>
    public long Cancelled => Interlocked.Read(ref _cancelled);

    /// <summary>Gets how many items are running on this silo now.</summary>
    public int Running => _running.Count;

    /// <summary>The invoker for a Start message's JSON; throws when the work or its types cannot be found on this silo.</summary>
    public WorkInvoker Get(string startJson)
    {
        if (_invokers.TryGetValue(startJson, out var cached))
        {
            return cached;
        }

        var start = JsonSerializer.Deserialize(startJson, ProtocolJson.Default.StartMessage)
            ?? throw new InvalidOperationException("The request named no work.");
        var invoker = WorkInvoker.Create(start);
        if (_invokers.Count >= MaxCachedInvokers)
        {
            _invokers.Clear();
        }

        return _invokers.GetOrAdd(startJson, invoker);
    }

    /// <summary>Whether the item with <paramref name="callId"/> is running on this silo.</summary>
    public bool IsRunning(Guid callId) => _running.ContainsKey(callId);

    /// <summary>Registers a starting item; its token is cancelled by <see cref="Cancel"/> (or already is, if the cancel came first).</summary>
    /// <remarks>Each attempt of an item has its own call id, so an id is never running twice.</remarks>
    public CancellationTokenSource Begin(Guid callId)
    {
        var source = new CancellationTokenSource();
        if (!_running.TryAdd(callId, source))
        {
            source.Dispose();
            throw new InvalidOperationException($"Call {callId} is already running on this silo; each call needs its own id.");
        }

        if (_earlyCancels.TryRemove(callId, out _))
        {
            source.Cancel();
        }

        return source;
    }

    /// <summary>Unregisters a finished item and counts it.</summary>
    public void End(Guid callId, CancellationTokenSource source, bool succeeded)
    {
        _running.TryRemove(new KeyValuePair<Guid, CancellationTokenSource>(callId, source));
        source.Dispose();
        Interlocked.Increment(ref succeeded ? ref _succeeded : ref _failed);
        ItemsRun.Add(1, new KeyValuePair<string, object?>("concurrency.outcome", succeeded ? "success" : "failure"));
    }

    /// <summary>Cancels the running item with <paramref name="callId"/>, or remembers the cancel for an item that has not started yet.</summary>
    public void Cancel(Guid callId)
    {
        if (TryCancelRunning(callId))
        {
            return;
        }

        PruneEarlyCancels();
        _earlyCancels[callId] = Environment.TickCount64;

        // The item may have started between the lookup and the note: look again.
        if (_running.ContainsKey(callId) && _earlyCancels.TryRemove(callId, out _))
        {
            TryCancelRunning(callId);
        }
    }

    private bool TryCancelRunning(Guid callId)
    {
        if (!_running.TryGetValue(callId, out var source))
        {
            return false;
        }

        try
        {
            source.Cancel();
            Interlocked.Increment(ref _cancelled);
        }
        catch (ObjectDisposedException)
        {
            // It finished while being cancelled.
        }

        return true;
    }

    /// <summary>Forgets remembered cancels older than <see cref="EarlyCancelLifetime"/>: at most once per lifetime, or at once when there are many.</summary>
    private void PruneEarlyCancels()
    {
        var now = Environment.TickCount64;
        if (_earlyCancels.Count < EarlyCancelPruneAbove && now - Volatile.Read(ref _lastPrune) < (long)EarlyCancelLifetime.TotalMilliseconds)
        {
            return;
        }

        Volatile.Write(ref _lastPrune, now);
        var oldest = now - (long)EarlyCancelLifetime.TotalMilliseconds;
        foreach (var (id, noted) in _earlyCancels)
        {
            if (noted < oldest)
            {
                _earlyCancels.TryRemove(id, out _);
            }
        }
    }
}
