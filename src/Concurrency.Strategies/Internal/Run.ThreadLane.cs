using System.Diagnostics;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Internal;

internal sealed partial class Run<TIn, TOut>
{
    private static readonly long FlushTicks = (long)(ThreadConstants.TargetChunkDuration.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// A lane on a dedicated thread: take a chunk (sized by <see cref="ChunkSizer"/>), run its items one after
    /// another, and publish outcomes at least every <see cref="ThreadConstants.TargetChunkDuration"/>, so tiny
    /// items travel in bulk while a slow item's outcome is delivered as soon as it finishes.
    /// </summary>
    private void ThreadLane()
    {
        var maxChunk = _settings.ChunkSize ?? ThreadConstants.MaxAutoChunkSize;
        var sizer = new ChunkSizer(_settings.ChunkSize, maxChunk);
        TIn[]? inputs = null;
        ItemOutcome<TIn, TOut>[]? outcomes = null;
        try
        {
            while (!Token.IsCancellationRequested)
            {
                var granted = _gate.Acquire(sizer.Next);
                if (granted == 0)
                {
                    break;
                }

                if (inputs is null || inputs.Length < granted)
                {
                    inputs = new TIn[Math.Max(granted, inputs?.Length * 2 ?? 1)];
                    outcomes = new ItemOutcome<TIn, TOut>[inputs.Length];
                }

                var taken = _reader!.Take(inputs, granted, out var firstIndex);
                _gate.Return(granted - taken);
                if (taken == 0)
                {
                    break;
                }

                MaybeAddLane();
                var elapsed = RunChunk(inputs, outcomes!, taken, firstIndex);
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
    private long RunChunk(TIn[] inputs, ItemOutcome<TIn, TOut>[] outcomes, int count, long firstIndex)
    {
        Interlocked.Increment(ref _running);
        RecordStarted(count);
        var chunkStart = Stopwatch.GetTimestamp();
        var now = chunkStart;
        var lastFlush = chunkStart;
        var buffered = 0;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var outcome = _runner!.RunBlocking(inputs[i], firstIndex + i, now, out now);
                if (Token.IsCancellationRequested)
                {
                    return -1;
                }

                outcomes[buffered++] = outcome;
                if (now - lastFlush >= FlushTicks)
                {
                    Flush(outcomes, buffered);
                    buffered = 0;
                    lastFlush = now;
                }
            }

            Flush(outcomes, buffered);
            buffered = 0;
            return now - chunkStart;
        }
        finally
        {
            Array.Clear(inputs, 0, count);
            Array.Clear(outcomes, 0, buffered);
            Interlocked.Decrement(ref _running);
            RecordLaneIdle();
        }
    }

    private void Flush(ItemOutcome<TIn, TOut>[] outcomes, int count)
    {
        if (count == 0)
        {
            return;
        }

        var span = outcomes.AsSpan(0, count);
        _queue.Publish(span);
        RecordFinished(span);
        span.Clear();
    }
}
