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
        var sinceWake = 0;
        try
        {
            while (!Token.IsCancellationRequested)
            {
                if (!await _gate.AcquireOneAsync().ConfigureAwait(false))
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
                            var result = await work(item, Token).ConfigureAwait(false);
                            outcome = new(index, item, result, null, Stopwatch.GetElapsedTime(start), 1);
                        }
                        catch (Exception ex)
                        {
                            outcome = new(index, item, default, ex, Stopwatch.GetElapsedTime(start), 1);
                        }
                    }
                    else
                    {
                        outcome = await runner.RunAsync(item, index).ConfigureAwait(false);
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

                Deliver(outbox, outcome, ref sinceWake, Stopwatch.GetTimestamp());
                RecordDuration(outcome.Duration);
                RecordFinished(1, outcome.Error is null ? 0 : 1);
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
