using System.Diagnostics;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Internal;

internal sealed partial class Run<TIn, TOut>
{
    /// <summary>
    /// A lane on a dedicated thread: take a chunk (sized by <see cref="ChunkSizer"/>) and run its items one after
    /// another. Each outcome goes to the lane's <see cref="LaneOutbox{T}"/> as its item finishes, where the consumer
    /// can always reach it, so tiny items travel in bulk while outcomes still stream per item.
    /// </summary>
    private void ThreadLane()
    {
        var maxChunk = _settings.ChunkSize ?? ThreadConstants.MaxAutoChunkSize;
        var sizer = new ChunkSizer(_settings.ChunkSize, maxChunk);
        TIn[]? inputs = null;
        var outbox = AddOutbox();
        var wake = default(LaneWake);
        try
        {
            while (!Token.IsCancellationRequested)
            {
                var granted = _gate.Acquire(sizer.Next, minimum: _settings.ChunkSize ?? 1);
                if (granted == 0)
                {
                    break;
                }

                if (inputs is null || inputs.Length < granted)
                {
                    inputs = new TIn[Math.Max(granted, inputs?.Length * 2 ?? 1)];
                }

                var taken = _reader!.Take(inputs, granted, out var firstIndex);
                _gate.Return(granted - taken);
                if (taken == 0)
                {
                    break;
                }

                MaybeAddLane();
                var elapsed = RunChunk(inputs, outbox, ref wake, taken, firstIndex);
                if (elapsed < 0)
                {
                    break;
                }

                sizer.Observe(taken, elapsed);
            }
        }
        catch (OperationCanceledException) when (Token.IsCancellationRequested)
        {
            // The source observed the run's cancellation.
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

    /// <summary>Runs one chunk; returns its duration in timestamp ticks, or -1 when the run was cancelled.</summary>
    private long RunChunk(TIn[] inputs, LaneOutbox<ItemOutcome<TIn, TOut>> outbox, ref LaneWake wake, int count, long firstIndex)
    {
        Interlocked.Increment(ref _running);
        RecordLaneBusy();
        var chunkStart = Stopwatch.GetTimestamp();
        var now = chunkStart;
        var failed = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                RecordItemStarted();
                var outcome = _runner!.RunBlocking(inputs[i], firstIndex + i, now, out now);
                if (Token.IsCancellationRequested)
                {
                    return -1;
                }

                Deliver(outbox, outcome, ref wake, now);
                failed += outcome.Error is null ? 0 : 1;
                RecordDuration(outcome.Duration);
            }

            FlushWake(ref wake, now);
            RecordFinished(count, failed);
            return now - chunkStart;
        }
        finally
        {
            Array.Clear(inputs, 0, count);
            Interlocked.Decrement(ref _running);
            RecordLaneIdle();
        }
    }
}
