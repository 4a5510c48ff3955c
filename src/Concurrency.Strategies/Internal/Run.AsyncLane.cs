using System.Diagnostics;

namespace Concurrency.Strategies.Internal;

internal sealed partial class Run<TIn, TOut>
{
    /// <summary>
    /// A lane on the thread pool: take one item, await its work, hand its outcome to the lane's outbox, repeat.
    /// The plain path is inlined here so a pending item costs only this lane's reused state machine.
    /// </summary>
    private async Task AsyncLaneAsync()
    {
        var runner = _runner!;
        var work = runner.Work;
        var outbox = AddOutbox();
        var wake = default(LaneWake);
        try
        {
            while (!Token.IsCancellationRequested)
            {
                var room = _gate.AcquireOneAsync();
                if (!room.IsCompleted)
                {
                    // About to be suspended: whatever this lane held back must not wait with it.
                    FlushWake(ref wake, Stopwatch.GetTimestamp());
                }

                if (!await room.ConfigureAwait(false))
                {
                    break;
                }

                var (has, item, index) = await _reader!.TakeOneAsync(Token).ConfigureAwait(false);
                if (!has)
                {
                    _gate.Return(1);
                    break;
                }

                MaybeAddLane();
                Interlocked.Increment(ref _running);
                RecordLaneBusy();
                RecordItemStarted();
                ItemOutcome<TIn, TOut> outcome;
                try
                {
                    if (runner.IsPlain)
                    {
                        var start = Stopwatch.GetTimestamp();
                        try
                        {
                            var pending = work(item, Token);
                            if (!pending.IsCompleted)
                            {
                                FlushWake(ref wake, start);
                            }

                            var result = await pending.ConfigureAwait(false);
                            outcome = new(index, item, result, null, Stopwatch.GetElapsedTime(start), 1);
                        }
                        catch (Exception ex)
                        {
                            outcome = new(index, item, default, ex, Stopwatch.GetElapsedTime(start), 1);
                        }
                    }
                    else
                    {
                        var pending = runner.RunAsync(item, index);
                        if (!pending.IsCompleted)
                        {
                            FlushWake(ref wake, Stopwatch.GetTimestamp());
                        }

                        outcome = await pending.ConfigureAwait(false);
                    }
                }
                finally
                {
                    Interlocked.Decrement(ref _running);
                    RecordLaneIdle();
                }

                if (Token.IsCancellationRequested)
                {
                    break;
                }

                DeliverOne(outbox, outcome, ref wake, Stopwatch.GetTimestamp());
            }
        }
        catch (OperationCanceledException) when (Token.IsCancellationRequested)
        {
            // The source or the window observed the run's cancellation.
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            LaneExited();
        }
    }
}
