using System.Diagnostics;
using Concurrency.Strategies.Telemetry;
using Concurrency.Strategies.Threading;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Internal;

/// <summary>
/// One enumeration of <see cref="IExecutionStrategy.RunAsync{TIn, TOut}"/>: the lanes that pull and run items,
/// the window that bounds read-ahead, and the outboxes that carry outcomes to the consumer.
/// </summary>
/// <remarks>
/// A lane is a loop on one worker (a dedicated thread or a pool task) that takes items and runs them one after
/// another, so at most <c>MaxConcurrency</c> items run at once because at most that many lanes exist. Lanes
/// start lazily: the first at the first <c>MoveNextAsync</c>, each further one when a lane finds work and the
/// cap allows. The last lane to exit completes the outcome queue.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "A run creates its token source, source enumerator and registrations inside ConsumeAsync and releases them in StopAsync, on every exit path.")]
internal sealed partial class Run<TIn, TOut> : IRunHandle
{
    private readonly StrategyCore _core;
    private readonly RunSettings _settings;
    private readonly IAsyncEnumerable<TIn> _items;
    private readonly Func<TIn, CancellationToken, ValueTask<TOut>> _work;
    private readonly CancellationToken _userToken;
    private readonly WindowGate _gate;
    private readonly ConsumerSignal _signal = new();
    private readonly TaskCompletionSource _lanesDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly KeyValuePair<string, object?> _kindTag;
    private CancellationTokenRegistration _enumeratorLink;
    private readonly List<LaneOutbox<ItemOutcome<TIn, TOut>>> _outboxes = new();
    private LaneOutbox<ItemOutcome<TIn, TOut>>[] _sweep = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<LaneOutbox<ItemOutcome<TIn, TOut>>> _readyOutboxes = new();
    private CancellationTokenSource? _cts;
    private SourceReader<TIn>? _reader;
    private long? _sourceCount;
    private long? _totalCount;
    private ItemRunner<TIn, TOut>? _runner;
    private Exception? _fatal;
    private int _lanesStarted;
    private int _activeLanes;
    private int _running;

    public Run(StrategyCore core, RunSettings settings, IAsyncEnumerable<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> work, CancellationToken userToken)
    {
        _core = core;
        _settings = settings;
        _items = items;
        _work = work;
        _userToken = userToken;
        _gate = new WindowGate(settings.WindowCapacity, WakeConsumerIfWaiting);
        _kindTag = StrategyMetrics.TagFor(settings.Kind);
    }

    /// <summary>Completes when every lane has exited.</summary>
    public Task Completion => _lanesDone.Task;

    /// <summary>Gets the run's token; the token source exists from the first <c>MoveNextAsync</c>, before any lane.</summary>
    private CancellationToken Token => _cts!.Token;

    private void Start(CancellationToken enumeratorToken)
    {
        _reader = new SourceReader<TIn>(_items, Token);
        _runner = new ItemRunner<TIn, TOut>(_work, _settings, _core.TimeProvider, Token);
        Token.UnsafeRegister(static s => ((WindowGate)s!).Close(), _gate);
        if (enumeratorToken.CanBeCanceled)
        {
            _enumeratorLink = enumeratorToken.UnsafeRegister(static s => CancelQuietly((CancellationTokenSource)s!), _cts);
        }

        _lanesStarted = 1;
        _activeLanes = 1;
        LaunchLane();
    }

    private void LaunchLane()
    {
        try
        {
            if (_settings.Process is not null)
            {
                _ = Task.Run(ProcessLaneAsync);
            }
            else if (_core.Threads is { } threads)
            {
                threads.Schedule(static s => ((Run<TIn, TOut>)s!).ThreadLane(), this);
            }
            else
            {
                _ = Task.Run(AsyncLaneAsync);
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
            LaneExited();
        }
    }

    /// <summary>Starts one more lane if the cap allows; called by a lane that just found work.</summary>
    private void MaybeAddLane()
    {
        int started;
        do
        {
            started = Volatile.Read(ref _lanesStarted);
            if (started >= _settings.MaxConcurrency || _reader!.Exhausted || _reader.Pulled >= _sourceCount || Token.IsCancellationRequested)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _lanesStarted, started + 1, started) != started);

        Interlocked.Increment(ref _activeLanes);
        LaunchLane();
    }

    private void LaneExited()
    {
        if (Interlocked.Decrement(ref _activeLanes) == 0)
        {
            _signal.Complete();
            _lanesDone.TrySetResult();
        }
    }

    /// <summary>Records an error that ends the whole run (the source threw, or the engine did).</summary>
    private void Fail(Exception ex)
    {
        Interlocked.CompareExchange(ref _fatal, ex, null);
        CancelQuietly(_cts!);
    }

    /// <summary>
    /// Cancels without letting anything escape: the run may already have ended, and a callback the work registered
    /// on its token may throw; neither may reach a dedicated thread (it would end the process) or skip the wait for
    /// the lanes in <c>StopAsync</c>.
    /// </summary>
    private static void CancelQuietly(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run already ended.
        }
        catch (AggregateException)
        {
            // Thrown by token callbacks; every callback has still run, and the token is cancelled.
        }
    }

    private void RecordItemStarted()
    {
        if (StrategyMetrics.ItemsStarted.Enabled)
        {
            StrategyMetrics.ItemsStarted.Add(1, _kindTag);
        }
    }

    private void RecordLaneBusy()
    {
        if (StrategyMetrics.ItemsInFlight.Enabled)
        {
            StrategyMetrics.ItemsInFlight.Add(1, _kindTag);
        }
    }

    private void RecordDuration(TimeSpan duration)
    {
        if (StrategyMetrics.ItemDuration.Enabled)
        {
            StrategyMetrics.ItemDuration.Record(duration.TotalSeconds, _kindTag);
        }
    }

    private void RecordFinished(int count, int failed)
    {
        if (StrategyMetrics.ItemsCompleted.Enabled)
        {
            StrategyMetrics.ItemsCompleted.Add(count - failed, _kindTag);
        }

        if (StrategyMetrics.ItemsFailed.Enabled && failed > 0)
        {
            StrategyMetrics.ItemsFailed.Add(failed, _kindTag);
        }
    }

    /// <summary>A waiting consumer is woken once this many outcomes of one lane wait for it...</summary>
    private const int WakeBatch = 64;

    /// <summary>...or once this long has passed since that lane last woke it, so a slow item's outcome goes at once.</summary>
    private static readonly long WakeTicks = (long)(ThreadConstants.TargetChunkDuration.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// Hands an outcome to the consumer through the lane's outbox. A waiting consumer is woken at once when this
    /// lane's outcomes are sparse, and once per <see cref="WakeBatch"/> outcomes or <see cref="WakeTicks"/> when
    /// they come fast, so fast lanes do not pay a wake-up per item. The throttle is per lane: one lane's wake-up
    /// never silences another's. What a lane holds back is flushed by <see cref="FlushWake"/> at its chunk's end,
    /// and the consumer's backstop bounds the rest.
    /// </summary>
    private void Deliver(LaneOutbox<ItemOutcome<TIn, TOut>> outbox, in ItemOutcome<TIn, TOut> outcome, ref LaneWake wake, long now)
    {
        outbox.Add(outcome);
        wake.Pending++;
        if (_signal.ConsumerWaiting && (wake.Pending >= WakeBatch || now - wake.Last >= WakeTicks))
        {
            wake.Last = now;
            wake.Pending = 0;
            _signal.Wake();
        }
    }

    /// <summary>Delivers one item's outcome (async and process lanes) and records its duration and result.</summary>
    private void DeliverOne(LaneOutbox<ItemOutcome<TIn, TOut>> outbox, in ItemOutcome<TIn, TOut> outcome, ref LaneWake wake, long now)
    {
        Deliver(outbox, outcome, ref wake, now);
        RecordDuration(outcome.Duration);
        RecordFinished(1, outcome.Error is null ? 0 : 1);
    }

    /// <summary>Wakes a waiting consumer for whatever this lane delivered without a wake-up.</summary>
    private void FlushWake(ref LaneWake wake, long now)
    {
        if (wake.Pending > 0 && _signal.ConsumerWaiting)
        {
            wake.Last = now;
            wake.Pending = 0;
            _signal.Wake();
        }
    }

    /// <summary>A lane's own wake-up bookkeeping.</summary>
    private struct LaneWake
    {
        public int Pending;
        public long Last;
    }

    private void WakeConsumerIfWaiting()
    {
        if (_signal.ConsumerWaiting)
        {
            _signal.Wake();
        }
    }

    /// <summary>Above this many lanes the consumer visits only announced outboxes instead of sweeping them all.</summary>
    private const int SweepLaneLimit = 64;

    private bool AnnounceOutboxes => _settings.MaxConcurrency > SweepLaneLimit;

    /// <summary>Gives a lane an outbox the consumer can drain; few lanes are kept in a copy-on-write array to sweep.</summary>
    private LaneOutbox<ItemOutcome<TIn, TOut>> AddOutbox()
    {
        // Async lanes among many hold an outcome or two each: a small first ring keeps a pending item cheap. Thread and
        // process lanes deliver chunks, so they keep the larger ring.
        var asyncLane = _settings.Process is null && _core.Threads is null;
        var outbox = AnnounceOutboxes
            ? new LaneOutbox<ItemOutcome<TIn, TOut>>(_readyOutboxes, asyncLane ? LaneOutbox<ItemOutcome<TIn, TOut>>.ManyLanesCapacity : LaneOutbox<ItemOutcome<TIn, TOut>>.FewLanesCapacity)
            : new LaneOutbox<ItemOutcome<TIn, TOut>>(null);
        lock (_outboxes)
        {
            _outboxes.Add(outbox);
            if (!AnnounceOutboxes)
            {
                Volatile.Write(ref _sweep, [.. _outboxes]);
            }
        }

        return outbox;
    }

    /// <summary>
    /// Before the consumer arms a wait (which costs a wake-up when lanes are fast), it spins briefly for announced
    /// outboxes; fast lanes then rarely need to wake it, and a slow run costs only this short spin per wait.
    /// </summary>
    private bool TrySpinForOutcomes(List<ItemOutcome<TIn, TOut>> batch)
    {
        var spinner = default(SpinWait);
        while (!spinner.NextSpinWillYield)
        {
            if (AnnounceOutboxes ? !_readyOutboxes.IsEmpty : AnySweptOutboxHasItems())
            {
                DrainReadyOutboxes(batch);
                return batch.Count > 0;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return false;
    }

    /// <summary>
    /// Takes what the lanes hold: with many lanes, only the announced outboxes (the cost follows the lanes with
    /// outcomes); with few, a sweep of all of them.
    /// </summary>
    private void DrainReadyOutboxes(List<ItemOutcome<TIn, TOut>> target)
    {
        if (!AnnounceOutboxes)
        {
            foreach (var outbox in Volatile.Read(ref _sweep))
            {
                outbox.DrainInto(target);
            }

            return;
        }

        while (_readyOutboxes.TryDequeue(out var outbox))
        {
            outbox.TakeAnnouncement();
            outbox.DrainInto(target);
        }
    }

    private bool AnySweptOutboxHasItems()
    {
        foreach (var outbox in Volatile.Read(ref _sweep))
        {
            if (outbox.HasItems)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Sweeps every outbox: for the backstop and the end of the run, where no announcement may be missed.</summary>
    private void DrainAllOutboxes(List<ItemOutcome<TIn, TOut>> target)
    {
        DrainReadyOutboxes(target);
        lock (_outboxes)
        {
            foreach (var outbox in _outboxes)
            {
                if (outbox.HasItems)
                {
                    outbox.DrainInto(target);
                }
            }
        }
    }

    private void RecordLaneIdle()
    {
        if (StrategyMetrics.ItemsInFlight.Enabled)
        {
            StrategyMetrics.ItemsInFlight.Add(-1, _kindTag);
        }
    }

    private Activity? StartActivity()
    {
        var activity = StrategyMetrics.ActivitySource.StartActivity("concurrency.strategies.run");
        if (activity is not null)
        {
            activity.SetTag("concurrency.strategy", _kindTag.Value);
            activity.SetTag("concurrency.max_concurrency", _settings.MaxConcurrency);
            activity.SetTag("concurrency.ordered", _settings.Ordered);
        }

        return activity;
    }

    private ILogger Logger => _core.Logger;
}
