using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using Concurrency.Strategies.Processes.Protocol;

namespace Concurrency.Strategies.Processes.Worker;

/// <summary>
/// The child side of the protocol, independent of how the process was started: say hello, optionally run the
/// initializer, bind the work of each <see cref="FrameType.Start"/> frame, then answer each
/// <see cref="FrameType.Batch"/> with one or more <see cref="FrameType.Results"/> frames.
/// </summary>
/// <remarks>
/// Frames are read on their own task, so the end of the parent's pipe is seen even while an item runs: a host
/// passes <c>onParentGone</c> to exit at once (a killed parent leaves no orphan, even with a hung item). The
/// loop returns on <see cref="FrameType.Shutdown"/> or, without <c>onParentGone</c>, when the pipe ends.
/// </remarks>
internal static class WorkerLoop
{
    /// <summary>The process exit code when the work or the initializer cannot start (reported in a Failure frame first).</summary>
    public const int StartFailedExitCode = 3;

    /// <summary>The exit code when the parent broke the protocol.</summary>
    public const int ProtocolErrorExitCode = 4;

    /// <summary>A batch's results are flushed at least this often, so slow items report as they finish.</summary>
    private static readonly long FlushTicks = Stopwatch.Frequency / 200;

    private static readonly double TicksPerTimestamp = (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    /// <summary>The activity a worker runs each batch in, child of the run's activity in the app.</summary>
    public const string BatchActivityName = "concurrency.strategies.worker.batch";

    /// <summary>
    /// Compiles the worker's first-use paths (JSON for the control frames and for simple items, type lookup, the frame
    /// channel) on another thread while the main thread connects to the app: a fresh process spends most of its
    /// first hundred milliseconds in the JIT, and the machine has more than one core.
    /// </summary>
    public static void Prewarm()
    {
        var thread = new Thread(static () =>
        {
            try
            {
                var identity = new WorkIdentity("a", "b", 1, "c", [], [], false, "d");
                var start = JsonSerializer.SerializeToUtf8Bytes(new StartMessage(identity, "System.Int32", "System.Int32"), ProtocolJson.Default.StartMessage);
                _ = JsonSerializer.Deserialize(start, ProtocolJson.Default.StartMessage);
                _ = JsonSerializer.SerializeToUtf8Bytes(new HelloMessage(0, string.Empty), ProtocolJson.Default.HelloMessage);
                _ = BatchCodec.SerializeError(RemoteError.From(new InvalidOperationException()));
                _ = WorkIdentity.ResolveType(typeof(int).AssemblyQualifiedName!);
                var buffer = new FrameBuffer(64);
                JsonWorkSerializer.Default.Serialize(1, buffer);
                _ = JsonWorkSerializer.Default.Deserialize<int>(buffer.WrittenSpan);
                var channel = Channel.CreateUnbounded<PendingFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
                channel.Writer.TryWrite(new PendingFrame(FrameType.Batch, []));
                _ = channel.Reader.TryRead(out _);
            }
            catch (Exception)
            {
                // Only a warm-up.
            }
        })
        {
            IsBackground = true,
            Name = "Concurrency.Strategies worker warm-up",
        };
        thread.Start();
    }

    public static async Task<int> RunAsync(
        Stream fromParent,
        Stream toParent,
        int maxPayloadBytes,
        Action? onParentGone = null,
        CancellationToken cancellationToken = default)
    {
        using var writer = new FrameWriter(toParent, maxPayloadBytes);
        await writer.WriteAsync(
            FrameType.Hello,
            JsonSerializer.SerializeToUtf8Bytes(new HelloMessage(Environment.ProcessId, RuntimeInformation.FrameworkDescription), ProtocolJson.Default.HelloMessage),
            cancellationToken).ConfigureAwait(false);

        var frames = Channel.CreateUnbounded<PendingFrame>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // The pump is not awaited: it ends when the parent's pipe does (after a Shutdown or a start failure the
        // process exits; in-process callers close the pipe), and it catches everything itself.
        var state = new LoopState(writer, maxPayloadBytes);
        _ = PumpAsync(new FrameReader(fromParent, maxPayloadBytes), frames.Writer, state.Cancellation, onParentGone, cancellationToken);
        {
            while (true)
            {
                PendingFrame? frame;
                try
                {
                    if (!await frames.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return 0;
                    }

                    frames.Reader.TryRead(out frame);
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
                {
                    await SendFailureAsync(writer, ex, cancellationToken).ConfigureAwait(false);
                    return ProtocolErrorExitCode;
                }

                var exit = await HandleAsync(frame!, state, cancellationToken).ConfigureAwait(false);
                if (exit is { } code)
                {
                    return code;
                }
            }
        }
    }

    /// <summary>Reads frames into the channel; a clean end of the pipe means the parent is gone.</summary>
    /// <remarks>A Cancel frame is acted on here, at once, not queued: it cancels the batches read before it.</remarks>
    private static async Task PumpAsync(FrameReader reader, ChannelWriter<PendingFrame> frames, BatchCancellation cancellation, Action? onParentGone, CancellationToken cancellationToken)
    {
        try
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } frame)
            {
                if (frame.Type == FrameType.Cancel)
                {
                    cancellation.CancelSentSoFar();
                    continue;
                }

                frames.TryWrite(new PendingFrame(frame.Type, frame.Payload.ToArray(), cancellation.Token));
                if (frame.Type == FrameType.Shutdown)
                {
                    frames.TryComplete();
                    return;
                }
            }

            frames.TryComplete();
            onParentGone?.Invoke();
        }
        catch (Exception ex)
        {
            frames.TryComplete(ex);
        }
    }

    private static async ValueTask<int?> HandleAsync(PendingFrame frame, LoopState state, CancellationToken cancellationToken)
    {
        var (type, payload, batchToken) = (frame.Type, frame.Payload, frame.Cancellation);
        switch (type)
        {
            case FrameType.Shutdown:
                return 0;
            case FrameType.Initialize:
                try
                {
                    var message = JsonSerializer.Deserialize(payload, ProtocolJson.Default.InitializeMessage) ?? throw new InvalidDataException("The Initialize frame was empty.");
                    await RunInitializerAsync(message).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    await SendFailureAsync(state.Writer, ex, cancellationToken).ConfigureAwait(false);
                    return StartFailedExitCode;
                }

                await state.Writer.WriteAsync(FrameType.Ready, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                return null;
            case FrameType.Start:
                try
                {
                    var start = JsonSerializer.Deserialize(payload, ProtocolJson.Default.StartMessage) ?? throw new InvalidDataException("The Start frame was empty.");
                    var key = WorkInvoker.Key(start);
                    if (!state.Invokers.TryGetValue(key, out var invoker))
                    {
                        invoker = WorkInvoker.Create(start);
                        state.Invokers[key] = invoker;
                    }

                    state.Invoker = invoker;
                    state.Start = start;
                }
                catch (Exception ex)
                {
                    await SendFailureAsync(state.Writer, ex, cancellationToken).ConfigureAwait(false);
                    return StartFailedExitCode;
                }

                return null;
            case FrameType.Batch when state.Invoker is not null:
                // The batch continues the run's trace: work sees an Activity whose trace id is the caller's.
                using (var activity = state.Start?.TraceParent is { } parent ? new Activity(BatchActivityName).SetParentId(parent) : null)
                {
                    if (activity is not null)
                    {
                        activity.TraceStateString = state.Start!.TraceState;
                        activity.Start();
                    }

                    try
                    {
                        await RunBatchAsync(payload, state, batchToken, cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidDataException ex)
                    {
                        await SendFailureAsync(state.Writer, ex, cancellationToken).ConfigureAwait(false);
                        return ProtocolErrorExitCode;
                    }
                }

                return null;
            default:
                await SendFailureAsync(
                    state.Writer,
                    new InvalidDataException(type == FrameType.Batch ? "A Batch frame came before any Start frame." : $"Unexpected {type} frame from the parent."),
                    cancellationToken).ConfigureAwait(false);
                return ProtocolErrorExitCode;
        }
    }

    private static async Task RunInitializerAsync(InitializeMessage message)
    {
        var initializer = message.Initializer.CreateDelegate();
        object?[] arguments = [];
        if (message.ArgumentType is { } typeName)
        {
            var argumentType = WorkIdentity.ResolveType(typeName);
            arguments = [message.ArgumentJson is null ? null : JsonSerializer.Deserialize(message.ArgumentJson, argumentType, Json)];
        }

        object? returned;
        try
        {
            returned = initializer.DynamicInvoke(arguments);
        }
        catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
            throw;
        }

        if (returned is Task task)
        {
            await task.ConfigureAwait(false);
        }
    }

    private static async Task RunBatchAsync(byte[] payload, LoopState state, CancellationToken batchToken, CancellationToken cancellationToken)
    {
        var memory = payload.AsMemory();
        var (batchId, count) = BatchCodec.ReadHeader(memory.Span);
        var offset = BatchCodec.HeaderSize;
        var results = state.Results;
        await results.BeginAsync(batchId).ConfigureAwait(false);
        var lastFlush = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var (index, value) = BatchCodec.ReadItem(memory, ref offset);
            var scratch = state.Scratch;
            scratch.Clear();
            var started = Stopwatch.GetTimestamp();
            results.ItemStarted(started);
            var error = batchToken.IsCancellationRequested
                ? Cancelled
                : await state.Invoker!.InvokeAsync(index, value, scratch, batchToken).ConfigureAwait(false);
            var now = Stopwatch.GetTimestamp();
            results.ItemStarted(0);
            var duration = (long)((now - started) * TicksPerTimestamp);
            if (error is null && scratch.Length + BatchCodec.ResultOverhead + BatchCodec.HeaderSize > state.MaxPayloadBytes)
            {
                error = RemoteError.From(new WorkSerializationException(
                    $"The result of item {index} takes {scratch.Length:N0} bytes, more than the maximum frame size of {state.MaxPayloadBytes:N0} bytes. "
                    + "Return smaller results, or raise ProcessStrategyOptions.MaxFrameBytes."));
            }

            var data = error is null ? scratch.WrittenMemory : BatchCodec.SerializeError(error);
            await results.AppendAsync(index, error is null ? BatchCodec.ValueKind : BatchCodec.ErrorKind, duration, data).ConfigureAwait(false);

            // Quick items stream out every few milliseconds; a slow item's predecessors go out on the timer.
            if (i < count - 1 && now - lastFlush >= FlushTicks)
            {
                await results.FlushAsync().ConfigureAwait(false);
                lastFlush = now;
            }
        }

        await results.EndAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The Results frames of the running batch. Entries are appended as items finish; a frame goes out when it is
    /// full, every few milliseconds while items are quick, and, from a timer, as soon as an item has run a few
    /// milliseconds with answers waiting behind it, so a slow item never holds back the outcomes before it.
    /// </summary>
    private sealed class ResultsOutbox : IDisposable
    {
        private readonly FrameWriter _writer;
        private readonly int _maxPayloadBytes;
        private readonly FrameBuffer _buffer = new();
        private readonly SemaphoreSlim _lock = new(1, 1);
        private readonly Timer _timer;
        private long _batchId;
        private int _countOffset;
        private int _inFrame;
        private long _itemStarted;

        public ResultsOutbox(FrameWriter writer, int maxPayloadBytes)
        {
            _writer = writer;
            _maxPayloadBytes = maxPayloadBytes;
            _timer = new Timer(static s => ((ResultsOutbox)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        }

        public void ItemStarted(long timestamp) => Volatile.Write(ref _itemStarted, timestamp);

        public async Task BeginAsync(long batchId)
        {
            await _lock.WaitAsync().ConfigureAwait(false);
            try
            {
                _batchId = batchId;
                StartFrame();
            }
            finally
            {
                _lock.Release();
            }

            var period = TimeSpan.FromSeconds(FlushTicks / (double)Stopwatch.Frequency);
            _timer.Change(period, period);
        }

        /// <summary>Adds one result; synchronous unless the frame is full or the timer is sending.</summary>
        public ValueTask AppendAsync(long index, byte kind, long durationTicks, ReadOnlyMemory<byte> data)
        {
            if (!_lock.Wait(0))
            {
                return AppendSlowAsync(index, kind, durationTicks, data);
            }

            try
            {
                if (_inFrame > 0 && _buffer.Length + BatchCodec.ResultOverhead + data.Length > _maxPayloadBytes)
                {
                    // Rare: the frame is full. Send it, then add the entry (the lock is released by the slow path).
                    var send = SendLockedAsync();
                    if (!send.IsCompletedSuccessfully)
                    {
                        return FinishAppendAsync(send, index, kind, durationTicks, data);
                    }
                }

                Write(index, kind, durationTicks, data.Span);
            }
            catch
            {
                _lock.Release();
                throw;
            }

            _lock.Release();
            return ValueTask.CompletedTask;
        }

        private async ValueTask FinishAppendAsync(ValueTask send, long index, byte kind, long durationTicks, ReadOnlyMemory<byte> data)
        {
            try
            {
                await send.ConfigureAwait(false);
                Write(index, kind, durationTicks, data.Span);
            }
            finally
            {
                _lock.Release();
            }
        }

        private async ValueTask AppendSlowAsync(long index, byte kind, long durationTicks, ReadOnlyMemory<byte> data)
        {
            await _lock.WaitAsync().ConfigureAwait(false);
            try
            {
                if (_inFrame > 0 && _buffer.Length + BatchCodec.ResultOverhead + data.Length > _maxPayloadBytes)
                {
                    await SendLockedAsync().ConfigureAwait(false);
                }

                Write(index, kind, durationTicks, data.Span);
            }
            finally
            {
                _lock.Release();
            }
        }

        private void Write(long index, byte kind, long durationTicks, ReadOnlySpan<byte> data)
        {
            _buffer.WriteInt64(index);
            _buffer.WriteByte(kind);
            _buffer.WriteInt64(durationTicks);
            _buffer.WriteInt32(data.Length);
            _buffer.Write(data);
            _inFrame++;
        }

        public async Task FlushAsync()
        {
            await _lock.WaitAsync().ConfigureAwait(false);
            try
            {
                await SendLockedAsync().ConfigureAwait(false);
            }
            finally
            {
                _lock.Release();
            }
        }

        public async Task EndAsync()
        {
            _timer.Change(Timeout.Infinite, Timeout.Infinite);
            await FlushAsync().ConfigureAwait(false);
        }

        public void Dispose()
        {
            _timer.Dispose();
            _lock.Dispose();
        }

        private void OnTimer()
        {
            var started = Volatile.Read(ref _itemStarted);
            if (started == 0 || Stopwatch.GetTimestamp() - started < FlushTicks || Volatile.Read(ref _inFrame) == 0 || !_lock.Wait(0))
            {
                return;
            }

            try
            {
                SendLockedAsync().AsTask().GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // The parent is gone; the loop finds out on its own.
            }
            finally
            {
                _lock.Release();
            }
        }

        private async ValueTask SendLockedAsync()
        {
            if (_inFrame == 0)
            {
                return;
            }

            _buffer.PatchInt32(_countOffset, _inFrame);
            await _writer.WriteAsync(FrameType.Results, _buffer.WrittenMemory).ConfigureAwait(false);
            StartFrame();
        }

        private void StartFrame()
        {
            _countOffset = BatchCodec.BeginFrame(_buffer, _batchId);
            _inFrame = 0;
        }
    }

    private static ValueTask SendFailureAsync(FrameWriter writer, Exception error, CancellationToken cancellationToken) =>
        writer.WriteAsync(FrameType.Failure, JsonSerializer.SerializeToUtf8Bytes(RemoteError.From(error), ProtocolJson.Default.RemoteError), cancellationToken);

    /// <summary>A frame read ahead by the pump (a class: channels of reference types share precompiled code).</summary>
    private sealed record PendingFrame(FrameType Type, byte[] Payload, CancellationToken Cancellation = default);

    /// <summary>The answer for an item of a cancelled batch that had not started.</summary>
    private static readonly RemoteError Cancelled = RemoteError.From(new OperationCanceledException("The run was cancelled before this item started."));

    /// <summary>
    /// The token of the batches read so far. A Cancel frame cancels it and starts a new one, so batches sent after the
    /// cancellation (a later run on the same worker) run normally.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Lives as long as the worker process; a replaced source may still be observed by queued batches, so it is left to the GC.")]
    private sealed class BatchCancellation
    {
        private CancellationTokenSource _current = new();

        public CancellationToken Token => Volatile.Read(ref _current).Token;

        public void CancelSentSoFar()
        {
            var previous = Interlocked.Exchange(ref _current, new CancellationTokenSource());
            try
            {
                previous.Cancel();
            }
            catch (AggregateException)
            {
                // A callback of the work threw; the token is cancelled all the same.
            }
        }
    }

    private sealed class LoopState(FrameWriter writer, int maxPayloadBytes)
    {
        public FrameWriter Writer { get; } = writer;

        public int MaxPayloadBytes { get; } = maxPayloadBytes;

        public ResultsOutbox Results { get; } = new(writer, maxPayloadBytes);

        public FrameBuffer Scratch { get; } = new();

        public WorkInvoker? Invoker { get; set; }

        public BatchCancellation Cancellation { get; } = new();

        /// <summary>Gets the invokers built so far, by work: a worker reused by later runs of the same work resolves it once.</summary>
        public Dictionary<string, WorkInvoker> Invokers { get; } = new(StringComparer.Ordinal);

        public StartMessage? Start { get; set; }
    }
}
