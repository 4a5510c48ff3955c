using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Concurrency.Strategies.Telemetry;

namespace Concurrency.Strategies.Internal;

internal sealed partial class Run<TIn, TOut>
{
    /// <summary>Outcomes taken between two releases of window room, so lanes resume before a long batch is walked.</summary>
    private const int ReleaseEvery = 256;

    private long _delivered;
    private long _failed;
    private long _progressStamp;

    /// <summary>
    /// The consumer's side: starts the lanes, yields outcomes (reordered when asked), releases window room, reports
    /// progress, and on every exit path stops the lanes and waits for them before the enumeration ends.
    /// </summary>
    public async IAsyncEnumerable<ItemOutcome<TIn, TOut>> ConsumeAsync([EnumeratorCancellation] CancellationToken enumeratorToken = default)
    {
        _userToken.ThrowIfCancellationRequested();
        enumeratorToken.ThrowIfCancellationRequested();
        Activity? activity = null;
        var started = _core.TimeProvider.GetTimestamp();
        var completedNormally = false;
        try
        {
            _core.Register(this);
            _cts = CancellationTokenSource.CreateLinkedTokenSource(_userToken, _core.DisposalToken);
            activity = StartActivity();

            // Counted now, not when RunAsync was called: the collection may change until it is enumerated.
            _sourceCount = (_items as SyncSource<TIn>)?.KnownCount;
            _totalCount = _settings.TotalCount ?? _sourceCount;
            Log.RunStarted(Logger, _settings.Kind, _settings.MaxConcurrency, _settings.Ordered);
            Report(started, force: true);
            Start(enumeratorToken);
            var batch = new List<ItemOutcome<TIn, TOut>>();
            var reorder = _settings.Ordered ? new Dictionary<long, ItemOutcome<TIn, TOut>>() : null;
            var nextInOrder = 0L;
            var unreleased = 0;
            while (true)
            {
                DrainReadyOutboxes(batch);
                if (batch.Count == 0 && !TrySpinForOutcomes(batch))
                {
                    // Marked waiting (or complete): a lane that adds from now on wakes us (or added before the
                    // end), so only what is already in the outboxes can be missed; take it before waiting. At the
                    // end, sweep every outbox: an announcement may have been missed, an outcome may not.
                    var wait = _signal.Arm();
                    if (wait is null)
                    {
                        DrainAllOutboxes(batch);
                        if (batch.Count == 0)
                        {
                            break;
                        }
                    }
                    else
                    {
                        DrainReadyOutboxes(batch);
                        if (batch.Count == 0)
                        {
                            await WaitForOutcomesAsync(wait, batch).ConfigureAwait(false);
                            continue;
                        }
                    }
                }

                if (Token.IsCancellationRequested)
                {
                    break;
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    var outcome = batch[i];
                    if (_settings.FailFast && outcome.Error is not null)
                    {
                        // Fail-fast helpers stop at the first failure: yield it now, whatever its position, and end.
                        Count(outcome);
                        yield return outcome;
                        yield break;
                    }

                    if (reorder is not null && outcome.Index != nextInOrder)
                    {
                        reorder.Add(outcome.Index, outcome);
                        continue;
                    }

                    while (true)
                    {
                        Count(outcome);
                        yield return outcome;
                        if (++unreleased == ReleaseEvery)
                        {
                            _gate.Release(unreleased);
                            unreleased = 0;
                        }

                        if (_settings.Progress is not null)
                        {
                            Report(started, force: false);
                        }

                        if (reorder is null || !reorder.Remove(++nextInOrder, out outcome))
                        {
                            break;
                        }
                    }
                }

                batch.Clear();
                _gate.Release(unreleased);
                unreleased = 0;
            }

            await _lanesDone.Task.ConfigureAwait(false);
            ThrowIfStopped(enumeratorToken);
            Report(started, force: true);
            completedNormally = true;
            activity?.SetTag("concurrency.items", _delivered);
            activity?.SetTag("concurrency.items_failed", _failed);
            Log.RunCompleted(Logger, _settings.Kind, _delivered, _failed, _core.TimeProvider.GetElapsedTime(started).TotalMilliseconds);
        }
        finally
        {
            await StopAsync(completedNormally).ConfigureAwait(false);
            activity?.Dispose();
        }
    }

    /// <summary>
    /// Waits for a lane to wake the consumer. Lanes hold back a wake-up while outcomes come fast (one per
    /// <see cref="WakeBatch"/> or per wake interval), so an outcome can sit in an outbox behind a slow item;
    /// a short real-time backstop (1 ms, doubling to 16 ms while nothing comes) bounds that wait.
    /// </summary>
    private async ValueTask WaitForOutcomesAsync(Task wait, List<ItemOutcome<TIn, TOut>> batch)
    {
        var backstop = TimeSpan.FromMilliseconds(1);
        while (!wait.IsCompleted)
        {
            using var delayCancel = new CancellationTokenSource();
            var delay = Task.Delay(backstop, delayCancel.Token);
            if (await Task.WhenAny(wait, delay).ConfigureAwait(false) == wait)
            {
                delayCancel.Cancel();
                return;
            }

            DrainAllOutboxes(batch);
            if (batch.Count > 0)
            {
                return;
            }

            backstop = TimeSpan.FromTicks(Math.Min(backstop.Ticks * 2, MaxBackstop.Ticks));
        }
    }

    private static readonly TimeSpan MaxBackstop = TimeSpan.FromMilliseconds(16);

    private void Count(in ItemOutcome<TIn, TOut> outcome)
    {
        _delivered++;
        if (outcome.Error is not null)
        {
            _failed++;
        }
    }

    /// <summary>Throws why the run ended early: the source failed, the caller cancelled, or the strategy was disposed.</summary>
    private void ThrowIfStopped(CancellationToken enumeratorToken)
    {
        if (_fatal is { } fatal)
        {
            Log.RunFaulted(Logger, _settings.Kind, fatal);
            ExceptionDispatchInfo.Capture(fatal).Throw();
        }

        if (!Token.IsCancellationRequested)
        {
            return;
        }

        Log.RunStopped(Logger, _settings.Kind, _delivered, "cancelled");
        _userToken.ThrowIfCancellationRequested();
        enumeratorToken.ThrowIfCancellationRequested();
        if (_core.DisposalToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException(
                _core.StrategyName,
                $"The {_core.StrategyName} was disposed while this run was in progress; {_delivered} outcome(s) had been delivered. Dispose the strategy only after its runs have finished.");
        }

        throw new OperationCanceledException(Token);
    }

    private void Report(long started, bool force)
    {
        if (_settings.Progress is not { } progress)
        {
            return;
        }

        var now = _core.TimeProvider.GetTimestamp();
        if (!force && _core.TimeProvider.GetElapsedTime(_progressStamp, now) < _settings.ProgressInterval)
        {
            return;
        }

        _progressStamp = now;
        var elapsed = _core.TimeProvider.GetElapsedTime(started, now);
        var total = _totalCount;
        TimeSpan? remaining = total is { } t && _delivered > 0
            ? TimeSpan.FromTicks((long)(elapsed.Ticks * (double)Math.Max(0, t - _delivered) / _delivered))
            : null;
        progress.Report(new RunProgress(_delivered, _failed, Volatile.Read(ref _running), total, elapsed, remaining));
    }

    /// <summary>Cancels what still runs, waits for every lane, and releases the source; runs on every exit path.</summary>
    private async ValueTask StopAsync(bool completedNormally)
    {
        if (!completedNormally && _cts is not null)
        {
            CancelQuietly(_cts);
            _gate.Close();
        }

        try
        {
            if (_reader is not null)
            {
                await _lanesDone.Task.ConfigureAwait(false);
                await _reader.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // No lane ever started (the run stopped before Start finished): nothing to wait for.
            _lanesDone.TrySetResult();
            await _enumeratorLink.DisposeAsync().ConfigureAwait(false);
            _cts?.Dispose();
            _core.Unregister(this);
        }
    }
}
