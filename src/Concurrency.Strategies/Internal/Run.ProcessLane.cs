using System.Diagnostics;
using System.Threading.Channels;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Processes.Protocol;
using Concurrency.Strategies.Telemetry;

namespace Concurrency.Strategies.Internal;

/// <summary>
/// Process lanes: each lane leases one worker process and keeps up to
/// <see cref="ProcessStrategyOptions.BatchesInFlightPerWorker"/> batches in its pipe, so the worker never waits for
/// the parent. Outcomes are delivered as the worker's Results frames arrive (it flushes slow batches as it goes).
/// With <see cref="RunOptions.Resilience"/> or <see cref="RunOptions.ItemTimeout"/>, a lane sends one item at a time
/// through the <see cref="ItemRunner{TIn,TOut}"/> instead, so the policies see each item and a timeout kills exactly
/// the worker that runs the late item.
/// </summary>
internal sealed partial class Run<TIn, TOut>
{
    private long _nextBatchId;

    private async Task ProcessLaneAsync()
    {
        var lane = new ProcessLane(AddOutbox(), _settings.Process!);
        try
        {
            if (_runner!.IsPlain)
            {
                await ProcessBatchesAsync(lane).ConfigureAwait(false);
            }
            else
            {
                await ProcessItemsAsync(lane).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (Token.IsCancellationRequested)
        {
            // Cancelled: below, a worker that still holds items gets the grace period to stop them, then is killed.
        }
        catch (ChannelClosedException) when (Token.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
        finally
        {
            // After a plain cancellation the worker gets the grace period to answer (cancelled); after a failure of the
            // run its state is unknown and it is killed.
            var graceful = Token.IsCancellationRequested && Volatile.Read(ref _fatal) is null;
            await lane.ReleaseAsync(graceful, graceful ? "the run was cancelled and its items did not stop within the grace period" : "the run failed while it ran items").ConfigureAwait(false);
            MarkIdleIfDone(lane);
            if (lane.PendingTake is { } pendingTake)
            {
                try
                {
                    await pendingTake.Take.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // The run is over; the source's cancellation or error no longer matters here.
                }
            }

            if (lane.Unanswered > 0)
            {
                RecordQueueDepth(-lane.Unanswered);
            }

            LaneExited();
        }
    }

    /// <summary>The batched path: fill the worker's pipe, then deliver answers as they come.</summary>
    private async Task ProcessBatchesAsync(ProcessLane lane)
    {
        while (true)
        {
            while (lane.Pending.Count < PipelineDepth(lane) && !Token.IsCancellationRequested)
            {
                // A worker to be recycled, or wanted by another run waiting for one, gets no new batch; once its
                // answers are in it goes back to the pool (to the waiting run first), and the lane leases again.
                if (lane.Worker is { } current && (current.RecycleRequested || lane.Run.Pool.HasWaiters))
                {
                    if (lane.Pending.Count > 0)
                    {
                        break;
                    }

                    lane.Run.Pool.Release(current);
                    lane.Worker = null;
                }

                var batch = lane.Redo.Count > 0 ? lane.Redo.Dequeue() : await NextBatchAsync(lane, mayWait: lane.Pending.Count == 0).ConfigureAwait(false);
                if (batch is null)
                {
                    break;
                }

                var worker = await LeaseWorkerAsync(lane).ConfigureAwait(false);
                if (lane.Run.Options.MaxItemsPerWorker is { } maxItems)
                {
                    var allowed = (int)Math.Max(1, Math.Min(int.MaxValue, maxItems - worker.Dispatched));
                    if (batch.Count > allowed)
                    {
                        var (first, rest) = Split(lane, batch, allowed);
                        lane.Redo.Enqueue(rest);
                        batch = first;
                    }
                }

                worker.Dispatched += batch.Count;
                if (worker.Dispatched >= lane.Run.Options.MaxItemsPerWorker)
                {
                    worker.RecycleRequested = true;
                }

                lane.Pending.Enqueue(batch);
                MarkBusy(lane);
                RecordBatch(batch.Count);
                await worker.SendBatchAsync(batch.Payload, CancellationToken.None).ConfigureAwait(false);
            }

            if (lane.Pending.Count == 0)
            {
                if (lane.Redo.Count == 0 && (lane.SourceDone || Token.IsCancellationRequested))
                {
                    return;
                }

                continue;
            }

            FlushWake(ref lane.Wake, Stopwatch.GetTimestamp());
            byte[] payload;
            try
            {
                payload = await lane.Worker!.ReadResultsAsync(Token).ConfigureAwait(false);
            }
            catch (ChannelClosedException ex) when (ex.InnerException is WorkerDiedException died)
            {
                OnBatchWorkerDied(lane, died);
                continue;
            }

            if (!TryApplyResults(lane, payload, out var problem))
            {
                await lane.Run.Pool.KillAsync(lane.Worker!, problem!).ConfigureAwait(false);
                var exit = await lane.Worker!.Exit.ConfigureAwait(false);
                OnBatchWorkerDied(lane, new WorkerDiedException(exit with { Reason = problem }, null));
            }
        }
    }

    /// <summary>
    /// How many batches the lane keeps in its worker's pipe. One while items may be slow (the sizer has not grown past
    /// one): a slow item must not hold another item in its pipe while another worker could run it. Then
    /// <see cref="ProcessStrategyOptions.BatchesInFlightPerWorker"/>, and more (up to 16) when batches are so short
    /// (a small fixed <see cref="RunOptions.BatchSize"/>) that a round trip would leave the worker waiting: enough to
    /// queue about <see cref="QueuedWorkTicks"/> of work.
    /// </summary>
    private static int PipelineDepth(ProcessLane lane)
    {
        if (lane.Sizer.Next <= 1)
        {
            return 1;
        }

        var configured = lane.Run.Options.BatchesInFlightPerWorker;
        var last = lane.LastBatchTicks;
        return last <= 0 ? configured : (int)Math.Clamp((QueuedWorkTicks + last - 1) / last, configured, MaxPipelineDepth);
    }

    /// <summary>The work a lane keeps queued in its worker when batches are short: well above a pipe round trip.</summary>
    private static readonly long QueuedWorkTicks = TimeSpan.FromMilliseconds(2).Ticks;

    private const int MaxPipelineDepth = 16;

    /// <summary>Builds the next batch from the source: waits for room only when nothing else is in flight.</summary>
    private async ValueTask<SentBatch<TIn>?> NextBatchAsync(ProcessLane lane, bool mayWait)
    {
        while (!lane.SourceDone && !Token.IsCancellationRequested)
        {
            int room;
            int count;
            long firstIndex;
            if (lane.PendingTake is { } pendingTake)
            {
                // A take that waited for the source earlier: finish it first (it owns lane.Buffer).
                if (!pendingTake.Take.IsCompleted)
                {
                    if (!mayWait)
                    {
                        return null;
                    }

                    ReleaseIdleWorker(lane);
                }

                (count, firstIndex) = await pendingTake.Take.ConfigureAwait(false);
                room = pendingTake.Room;
                lane.PendingTake = null;
            }
            else
            {
                var wanted = lane.Sizer.Next;
                room = _gate.TryAcquire(wanted);
                if (room == 0)
                {
                    if (!mayWait)
                    {
                        return null;
                    }

                    var acquire = _gate.AcquireOneAsync();
                    if (!acquire.IsCompleted)
                    {
                        ReleaseIdleWorker(lane);
                    }

                    if (!await acquire.ConfigureAwait(false))
                    {
                        return null;
                    }

                    room = 1 + (wanted > 1 ? _gate.TryAcquire(wanted - 1) : 0);
                }

                if (lane.Buffer.Length < room)
                {
                    lane.Buffer = new TIn[Math.Max(room, lane.Buffer.Length * 2)];
                }

                var take = _reader!.TakeAsync(lane.Buffer, room, Token);
                if (!take.IsCompleted)
                {
                    if (!mayWait)
                    {
                        // Batches are in the worker and the source has nothing yet: read their answers meanwhile.
                        lane.PendingTake = (take.AsTask(), room);
                        return null;
                    }

                    ReleaseIdleWorker(lane);
                }

                (count, firstIndex) = await take.ConfigureAwait(false);
            }

            if (count < room)
            {
                _gate.Return(room - count);
            }

            if (count == 0)
            {
                lane.SourceDone = true;
                return null;
            }

            MaybeAddLane();
            lane.Unanswered += count;
            RecordQueueDepth(count);
            if (StrategyMetrics.ItemsStarted.Enabled)
            {
                StrategyMetrics.ItemsStarted.Add(count, _kindTag);
            }

            var indices = new long[count];
            for (var i = 0; i < count; i++)
            {
                indices[i] = firstIndex + i;
            }

            var batch = Serialize(lane, lane.Buffer.AsSpan(0, count).ToArray(), indices, new int[count]);
            Array.Clear(lane.Buffer, 0, count);
            if (batch is not null)
            {
                return batch;
            }

            // Every item failed to serialize (and has its outcome); take more.
        }

        return null;
    }

    /// <summary>
    /// Serializes items into one Batch payload. An item the serializer refuses, or one too large for a frame, gets
    /// its failed outcome at once; items that do not fit after others go to a further batch (in <c>Redo</c>).
    /// </summary>
    private SentBatch<TIn>? Serialize(ProcessLane lane, TIn[] items, long[] indices, int[] crashes)
    {
        var buffer = lane.Frame;
        var maxFrame = lane.Run.Options.MaxFrameBytes;
        var id = Interlocked.Increment(ref _nextBatchId);
        var countOffset = BatchCodec.BeginFrame(buffer, id);
        var kept = new List<int>(items.Length);
        var overflowAt = -1;
        for (var i = 0; i < items.Length; i++)
        {
            var entryStart = buffer.Length;
            buffer.WriteInt64(indices[i]);
            var lengthOffset = buffer.ReserveInt32();
            var valueStart = buffer.Length;
            Exception? error = null;
            try
            {
                lane.Run.Serializer.Serialize(items[i], buffer);
            }
            catch (Exception ex)
            {
                error = new WorkSerializationException(
                    $"Item {indices[i]} ({typeof(TIn).FullName}) could not be serialized for the worker process: {ex.Message}", ex);
            }

            var length = buffer.Length - valueStart;
            if (error is null && buffer.Length > maxFrame)
            {
                if (kept.Count > 0)
                {
                    // The frame is full: this item and the rest go in another batch, built after this one is copied out.
                    buffer.Truncate(entryStart);
                    overflowAt = i;
                    break;
                }

                error = new WorkSerializationException(
                    $"Item {indices[i]} ({typeof(TIn).FullName}) serializes to {length:N0} bytes, more than the maximum frame size of {maxFrame:N0} bytes. "
                    + "Send smaller items (a path or a key instead of the data), or raise ProcessStrategyOptions.MaxFrameBytes.");
            }

            if (error is not null)
            {
                buffer.Truncate(entryStart);
                DeliverLaneOutcome(lane, new ItemOutcome<TIn, TOut>(indices[i], items[i], default, error, TimeSpan.Zero, 1));
                continue;
            }

            buffer.PatchInt32(lengthOffset, length);
            kept.Add(i);
        }

        SentBatch<TIn>? batch = null;
        if (kept.Count > 0)
        {
            buffer.PatchInt32(countOffset, kept.Count);
            var payload = buffer.WrittenSpan.ToArray();
            batch = kept.Count == items.Length
                ? new SentBatch<TIn>(id, items, indices, crashes, payload)
                : new SentBatch<TIn>(id, kept.Select(k => items[k]).ToArray(), kept.Select(k => indices[k]).ToArray(), kept.Select(k => crashes[k]).ToArray(), payload);
        }

        if (overflowAt >= 0 && Serialize(lane, items[overflowAt..], indices[overflowAt..], crashes[overflowAt..]) is { } rest)
        {
            lane.Redo.Enqueue(rest);
        }

        return batch;
    }

    private (SentBatch<TIn> Head, SentBatch<TIn> Remainder) Split(ProcessLane lane, SentBatch<TIn> batch, int firstCount)
    {
        var first = Serialize(lane, batch.Items[..firstCount], batch.Indices[..firstCount], batch.Crashes[..firstCount])!;
        var rest = Serialize(lane, batch.Items[firstCount..], batch.Indices[firstCount..], batch.Crashes[firstCount..])!;
        return (first, rest);
    }

    /// <summary>Delivers the outcomes of one Results frame; false (with the reason) if the worker broke the protocol.</summary>
    private bool TryApplyResults(ProcessLane lane, byte[] payload, out string? problem)
    {
        var head = lane.Pending.Peek();
        var memory = payload.AsMemory();
        try
        {
            var (batchId, count) = BatchCodec.ReadHeader(memory.Span);
            if (batchId != head.Id || head.Reported + count > head.Count)
            {
                problem = $"it answered batch {batchId} with {count} results while batch {head.Id} had {head.Count - head.Reported} unanswered items";
                return false;
            }

            var offset = BatchCodec.HeaderSize;
            lane.Now = Stopwatch.GetTimestamp();
            for (var i = 0; i < count; i++)
            {
                var (index, kind, durationTicks, data) = BatchCodec.ReadResult(memory, ref offset);
                var position = head.Reported;
                if (index != head.Indices[position])
                {
                    problem = $"it answered item {index} where item {head.Indices[position]} was expected";
                    return false;
                }

                var duration = TimeSpan.FromTicks(Math.Max(0, durationTicks));
                head.Reported++;
                head.WorkTicks += duration.Ticks;
                DeliverLaneOutcome(lane, ToOutcome(lane, index, head.Items[position], kind, duration, data.Span));
            }
        }
        catch (InvalidDataException ex)
        {
            problem = $"it sent a malformed Results frame: {ex.Message}";
            return false;
        }
        finally
        {
            lane.Now = 0;
        }

        if (head.Reported == head.Count)
        {
            lane.Pending.Dequeue();
            MarkIdleIfDone(lane);
            lane.Sizer.Observe(head.Count, head.WorkTicks);
            lane.LastBatchTicks = Math.Max(1, head.WorkTicks);
            if (lane.Run.Options.MaxWorkerMemoryBytes is { } limit && lane.Worker!.MemoryAbove(limit))
            {
                lane.Worker.RecycleRequested = true;
            }
        }

        FlushWake(ref lane.Wake, Stopwatch.GetTimestamp());
        problem = null;
        return true;
    }

    private static ItemOutcome<TIn, TOut> ToOutcome(ProcessLane lane, long index, TIn item, byte kind, TimeSpan duration, ReadOnlySpan<byte> data)
    {
        if (kind == BatchCodec.ErrorKind)
        {
            return new(index, item, default, ToException(BatchCodec.DeserializeError(data)), duration, 1);
        }

        try
        {
            return new(index, item, lane.Run.Serializer.Deserialize<TOut>(data), null, duration, 1);
        }
        catch (Exception ex)
        {
            return new(index, item, default, new WorkSerializationException(
                $"The result of item {index} could not be deserialized as {typeof(TOut).FullName} in the app: {ex.Message}", ex), duration, 1);
        }
    }

    private static Exception ToException(RemoteError error) =>
        error.Type == typeof(WorkSerializationException).FullName
            ? new WorkSerializationException(error.Message)
            : RemoteWorkException.From(error);

    /// <summary>Into how many groups the unanswered items of a crashed batch are split to run again (single items below that).</summary>
    private const int SuspectGroups = 8;

    /// <summary>
    /// The lane's worker died. Its answered items are delivered already. The batch it was running: a single
    /// unanswered item is the culprit and fails with <see cref="WorkerCrashedException"/>; several are suspects and
    /// run again in up to <see cref="SuspectGroups"/> smaller batches (split again if one crashes again), so only the
    /// culprit fails. Batches it had not started are sent again as they are.
    /// </summary>
    private void OnBatchWorkerDied(ProcessLane lane, WorkerDiedException died)
    {
        lane.Run.Pool.Discard(lane.Worker!);
        lane.Worker = null;
        if (died.Failure is { } failure)
        {
            lane.Pending.Clear();
            MarkIdleIfDone(lane);
            throw StartFailed(failure, died.Exit);
        }

        var quarantineAt = lane.Run.Options.QuarantineAfterCrashes;
        var requeue = new Queue<SentBatch<TIn>>();
        var head = lane.Pending.Dequeue();
        var suspects = head.Count - head.Reported;
        if (suspects == 1)
        {
            // The only unanswered item was running: it is the culprit.
            var p = head.Reported;
            var crashes = ++head.Crashes[p];
            DeliverLaneOutcome(lane, new ItemOutcome<TIn, TOut>(
                head.Indices[p], head.Items[p], default, new WorkerCrashedException(died.Exit, crashes, crashes >= quarantineAt), TimeSpan.Zero, 1));
        }
        else
        {
            // Several were unanswered and one of them (or none: a worker killed from outside) crashed the worker. They
            // run again in smaller groups, and the group that crashes again is split again, down to single items: the
            // culprit fails by itself, the others are never charged, and a worker killed from outside costs a few
            // batches instead of a round trip per item.
            var groups = Math.Min(suspects, SuspectGroups);
            for (var g = 0; g < groups; g++)
            {
                var from = head.Reported + (int)((long)suspects * g / groups);
                var to = head.Reported + (int)((long)suspects * (g + 1) / groups);
                requeue.Enqueue(Serialize(lane, head.Items[from..to], head.Indices[from..to], head.Crashes[from..to])!);
            }
        }

        while (lane.Pending.TryDequeue(out var unstarted))
        {
            requeue.Enqueue(unstarted);
        }

        while (lane.Redo.TryDequeue(out var waiting))
        {
            requeue.Enqueue(waiting);
        }

        (lane.Redo, requeue) = (requeue, lane.Redo);
        MarkIdleIfDone(lane);
        FlushWake(ref lane.Wake, Stopwatch.GetTimestamp());
    }

    private static InvalidOperationException StartFailed(RemoteError failure, WorkerExit exit) => exit.ExitCode == Processes.Worker.WorkerLoop.ProtocolErrorExitCode
        ? new(
            $"Worker {exit.WorkerId} (process {exit.ProcessId}) rejected a frame from this app and exited: {failure.Type}: {failure.Message} "
            + "This is a protocol error between the app and its worker: check that both run the same version of Concurrency.Strategies (a custom WorkerHost may be stale), and report it if they do.",
            RemoteWorkException.From(failure))
        : new(
            $"The worker process could not run the work: {failure.Type}: {failure.Message} "
            + "Check that the work's assembly and its dependencies are in the app's deps.json (referenced by the app), and that the work is a static method or a lambda that captures nothing.",
            RemoteWorkException.From(failure));

    /// <summary>The per-item path (Polly pipeline or item timeout): one item at a time through the <see cref="ItemRunner{TIn,TOut}"/>.</summary>
    private async Task ProcessItemsAsync(ProcessLane lane)
    {
        lane.ItemMode = true;
        var runner = new ItemRunner<TIn, TOut>((item, ct) => InvokeRemoteAsync(lane, item, ct), _settings, _core.TimeProvider, Token);
        while (!Token.IsCancellationRequested)
        {
            var room = _gate.AcquireOneAsync();
            if (!room.IsCompleted)
            {
                FlushWake(ref lane.Wake, Stopwatch.GetTimestamp());
                ReleaseIdleWorker(lane);
            }

            if (!await room.ConfigureAwait(false))
            {
                break;
            }

            var takeOne = _reader!.TakeOneAsync(Token);
            if (!takeOne.IsCompleted)
            {
                ReleaseIdleWorker(lane);
            }

            var (has, item, index) = await takeOne.ConfigureAwait(false);
            if (!has)
            {
                _gate.Return(1);
                break;
            }

            MaybeAddLane();

            // The worker is leased (started, if need be) before the item's clock starts: ItemTimeout is for the item.
            await LeaseWorkerAsync(lane).ConfigureAwait(false);
            Interlocked.Increment(ref _running);
            RecordLaneBusy();
            RecordItemStarted();
            lane.CurrentIndex = index;
            lane.CurrentCrashes = 0;
            ItemOutcome<TIn, TOut> outcome;
            try
            {
                var pending = runner.RunAsync(item, index);
                if (!pending.IsCompleted)
                {
                    FlushWake(ref lane.Wake, Stopwatch.GetTimestamp());
                }

                outcome = await pending.ConfigureAwait(false);
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

            DeliverOne(lane.Outbox, outcome, ref lane.Wake, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>One attempt of one item in the lane's worker. A cancelled token (timeout or run) kills that worker.</summary>
    private async ValueTask<TOut> InvokeRemoteAsync(ProcessLane lane, TIn item, CancellationToken cancellationToken)
    {
        var quarantineAt = lane.Run.Options.QuarantineAfterCrashes;
        if (lane.CurrentCrashes >= quarantineAt)
        {
            throw new WorkerCrashedException(lane.LastExit!, lane.CurrentCrashes, quarantined: true);
        }

        var batch = Serialize(lane, [item], [lane.CurrentIndex], [lane.CurrentCrashes]);
        if (batch is null)
        {
            // Serialize delivered nothing for a single item here: it reports through the exception instead.
            throw lane.TakeSerializationError();
        }

        var worker = await LeaseWorkerAsync(lane).ConfigureAwait(false);

        // Cancelled while a replacement worker started (a retry after a kill): the worker is healthy and keeps its lane.
        cancellationToken.ThrowIfCancellationRequested();
        worker.Dispatched++;
        lane.Pending.Enqueue(batch);
        byte[] payload;
        try
        {
            RecordBatch(1);
            await worker.SendBatchAsync(batch.Payload, CancellationToken.None).ConfigureAwait(false);
            payload = await worker.ReadResultsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (Token.IsCancellationRequested && Volatile.Read(ref _fatal) is null)
            {
                // The run was cancelled: the worker may stop the item cooperatively within the grace period.
                await lane.ReleaseAsync(graceful: true, "the run was cancelled and its item did not stop within the grace period").ConfigureAwait(false);
            }
            else
            {
                lane.Pending.Clear();
                lane.Worker = null;
                await lane.Run.Pool.KillAsync(worker, $"item {lane.CurrentIndex} overran its time limit (RunOptions.ItemTimeout or the resilience pipeline's timeout)").ConfigureAwait(false);
            }

            throw;
        }
        catch (ChannelClosedException ex) when (ex.InnerException is WorkerDiedException died)
        {
            lane.Pending.Clear();
            lane.Run.Pool.Discard(worker);
            lane.Worker = null;
            if (died.Failure is { } failure)
            {
                var fatal = StartFailed(failure, died.Exit);
                Fail(fatal);
                throw fatal;
            }

            lane.CurrentCrashes++;
            lane.LastExit = died.Exit;
            throw new WorkerCrashedException(died.Exit, lane.CurrentCrashes, lane.CurrentCrashes >= quarantineAt);
        }

        lane.Pending.Clear();
        var memory = payload.AsMemory();
        var (batchId, count) = BatchCodec.ReadHeader(memory.Span);
        var offset = BatchCodec.HeaderSize;
        if (batchId != batch.Id || count != 1)
        {
            lane.Worker = null;
            await lane.Run.Pool.KillAsync(worker, $"it answered batch {batchId} ({count} results) for batch {batch.Id}").ConfigureAwait(false);
            throw new InvalidDataException($"Worker {worker.Id} broke the protocol: it answered batch {batchId} with {count} results for batch {batch.Id} of one item.");
        }

        var (_, kind, _, data) = BatchCodec.ReadResult(memory, ref offset);
        if (worker.Dispatched >= lane.Run.Options.MaxItemsPerWorker
            || (lane.Run.Options.MaxWorkerMemoryBytes is { } limit && worker.MemoryAbove(limit)))
        {
            worker.RecycleRequested = true;
        }

        if (worker.RecycleRequested || lane.Run.Pool.HasWaiters)
        {
            // Recycled, or handed to a run waiting for a worker; the next item leases again.
            lane.Run.Pool.Release(worker);
            lane.Worker = null;
        }

        if (kind == BatchCodec.ErrorKind)
        {
            throw ToException(BatchCodec.DeserializeError(data.Span));
        }

        try
        {
            return lane.Run.Serializer.Deserialize<TOut>(data.Span);
        }
        catch (Exception ex)
        {
            throw new WorkSerializationException(
                $"The result of item {lane.CurrentIndex} could not be deserialized as {typeof(TOut).FullName} in the app: {ex.Message}", ex);
        }
    }

    /// <summary>The lane's worker, leased and bound to this run's work; a worker that cannot start fails the run.</summary>
    private async ValueTask<WorkerProcess> LeaseWorkerAsync(ProcessLane lane)
    {
        if (lane.Worker is { } current)
        {
            if (lane.Pending.Count > 0 || !current.IsGone())
            {
                return current;
            }

            // It died while idle in this lane: nothing of this run is in it, so nothing is charged; take another.
            lane.Run.Pool.Discard(current);
            lane.Worker = null;
        }

        WorkerProcess worker;
        try
        {
            worker = await lane.Run.Pool.AcquireAsync(Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Fail(ex);
            throw;
        }

        lane.Worker = worker;
        await worker.BindAsync(lane.Start, Token).ConfigureAwait(false);
        return worker;
    }

    /// <summary>
    /// Gives the lane's worker back before the lane waits for the window or the source with nothing in the worker, so
    /// another run is never kept waiting by a run that has nothing to send; the lane leases again when it has.
    /// </summary>
    private static void ReleaseIdleWorker(ProcessLane lane)
    {
        if (lane.Worker is { } worker && lane.Pending.Count == 0)
        {
            lane.Worker = null;
            lane.Run.Pool.Release(worker);
        }
    }

    /// <summary>An outcome produced by the lane itself (serialization failure, crash), not read from a worker.</summary>
    private void DeliverLaneOutcome(ProcessLane lane, in ItemOutcome<TIn, TOut> outcome)
    {
        if (lane.ItemMode)
        {
            lane.SerializationError = outcome.Error;
            return;
        }

        lane.Unanswered--;
        RecordQueueDepth(-1);

        // Within one Results frame the clock is read once (lane.Now); elsewhere, now.
        DeliverOne(lane.Outbox, outcome, ref lane.Wake, lane.Now != 0 ? lane.Now : Stopwatch.GetTimestamp());
    }

    /// <summary>A lane with batches in its worker has exactly one item running there: that is what <c>InFlight</c> counts.</summary>
    private void MarkBusy(ProcessLane lane)
    {
        if (!lane.Busy)
        {
            lane.Busy = true;
            Interlocked.Increment(ref _running);
            RecordLaneBusy();
        }
    }

    private void MarkIdleIfDone(ProcessLane lane)
    {
        if (lane.Busy && lane.Pending.Count == 0)
        {
            lane.Busy = false;
            Interlocked.Decrement(ref _running);
            RecordLaneIdle();
        }
    }

    private void RecordBatch(int count)
    {
        if (StrategyMetrics.BatchSize.Enabled)
        {
            StrategyMetrics.BatchSize.Record(count, _kindTag);
        }
    }

    private void RecordQueueDepth(int delta)
    {
        if (StrategyMetrics.QueueDepth.Enabled)
        {
            StrategyMetrics.QueueDepth.Add(delta, _kindTag);
        }
    }

    /// <summary>One process lane's state: its worker, its batches in flight, and what must be sent again.</summary>
    private sealed class ProcessLane(LaneOutbox<ItemOutcome<TIn, TOut>> outbox, ProcessRun run)
    {
        public LaneOutbox<ItemOutcome<TIn, TOut>> Outbox { get; } = outbox;

        public ProcessRun Run { get; } = run;

        /// <summary>Gets the Start frame for this lane's workers: the run's work, and the run activity as the remote parent of the worker's.</summary>
        public StartMessage Start { get; } = Activity.Current is { } activity
            ? run.Start with { TraceParent = activity.Id, TraceState = activity.TraceStateString }
            : run.Start;

        public LaneWake Wake;

        public Threading.ChunkSizer Sizer = new(run.FixedBatchSize, ProcessRun.MaxAutoBatchSize, run.Options.TargetBatchDuration.Ticks);

        /// <summary>Gets or sets a take from the source that had to wait while batches were in the worker, with the room it holds.</summary>
        public (Task<(int Count, long FirstIndex)> Take, int Room)? PendingTake { get; set; }

        /// <summary>Gets or sets the timestamp shared by the outcomes of the Results frame being delivered (0 outside one).</summary>
        public long Now { get; set; }

        /// <summary>Gets or sets the worker-measured work time of the lane's last answered batch (ticks).</summary>
        public long LastBatchTicks { get; set; }

        public WorkerProcess? Worker { get; set; }

        public Queue<SentBatch<TIn>> Pending { get; } = new();

        public Queue<SentBatch<TIn>> Redo { get; set; } = new();

        public FrameBuffer Frame { get; } = new();

        public TIn[] Buffer { get; set; } = new TIn[16];

        public bool SourceDone { get; set; }

        /// <summary>Gets or sets the items taken from the source whose outcomes are not delivered yet (batched path).</summary>
        public int Unanswered { get; set; }

        /// <summary>Gets or sets a value indicating whether the lane's worker has batches of this run (one item running).</summary>
        public bool Busy { get; set; }

        /// <summary>Gets or sets a value indicating whether the lane runs one item at a time through the item runner.</summary>
        public bool ItemMode { get; set; }

        public long CurrentIndex { get; set; } = -1;

        public int CurrentCrashes { get; set; }

        public WorkerExit? LastExit { get; set; }

        public Exception? SerializationError { get; set; }

        public Exception TakeSerializationError()
        {
            var error = SerializationError ?? new WorkSerializationException("The item could not be serialized.");
            SerializationError = null;
            return error;
        }

        /// <summary>
        /// Gives the worker back at the end of the lane. If it still holds items of this run: after a cancellation it
        /// is told to cancel and gets <see cref="ProcessStrategyOptions.ShutdownGracePeriod"/> to answer every item
        /// sent (work that observes its token stops at once), and is kept; otherwise, or if it does not answer in
        /// time, it is killed.
        /// </summary>
        public async Task ReleaseAsync(bool graceful, string killReason)
        {
            if (Worker is not { } worker)
            {
                return;
            }

            Worker = null;
            if (Pending.Count == 0)
            {
                Run.Pool.Release(worker);
                return;
            }

            if (graceful && await DrainAfterCancelAsync(worker).ConfigureAwait(false))
            {
                Run.Pool.Release(worker);
                return;
            }

            Pending.Clear();
            if (worker.HasEnded)
            {
                Run.Pool.Discard(worker);
            }
            else
            {
                await Run.Pool.KillAsync(worker, killReason).ConfigureAwait(false);
            }
        }

        private async Task<bool> DrainAfterCancelAsync(WorkerProcess worker)
        {
            try
            {
                await worker.SendCancelAsync().ConfigureAwait(false);
                using var grace = new CancellationTokenSource(Run.Options.ShutdownGracePeriod);
                while (Pending.Count > 0)
                {
                    var payload = await worker.ReadResultsAsync(grace.Token).ConfigureAwait(false);
                    var (batchId, count) = BatchCodec.ReadHeader(payload);
                    var head = Pending.Peek();
                    if (batchId != head.Id || head.Reported + count > head.Count)
                    {
                        return false;
                    }

                    head.Reported += count;
                    if (head.Reported == head.Count)
                    {
                        Pending.Dequeue();
                    }
                }

                return true;
            }
            catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or InvalidDataException)
            {
                return false;
            }
        }
    }
}
