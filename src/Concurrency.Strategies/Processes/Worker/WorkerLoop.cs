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

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General);

    public static async Task<int> RunAsync(
        Stream fromParent,
        Stream toParent,
        int maxPayloadBytes,
        Action? onParentGone = null,
        CancellationToken cancellationToken = default)
    {
        using var writer = new FrameWriter(toParent, maxPayloadBytes);
        await SendAsync(writer, FrameType.Hello, new HelloMessage(Environment.ProcessId, RuntimeInformation.FrameworkDescription), cancellationToken).ConfigureAwait(false);

        var frames = Channel.CreateUnbounded<(FrameType Type, byte[] Payload)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // The pump is not awaited: it ends when the parent's pipe does (after a Shutdown or a start failure the
        // process exits; in-process callers close the pipe), and it catches everything itself.
        _ = PumpAsync(new FrameReader(fromParent, maxPayloadBytes), frames.Writer, onParentGone, cancellationToken);
        var state = new LoopState(writer, maxPayloadBytes);
        {
            while (true)
            {
                (FrameType Type, byte[] Payload) frame;
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

                var exit = await HandleAsync(frame.Type, frame.Payload, state, cancellationToken).ConfigureAwait(false);
                if (exit is { } code)
                {
                    return code;
                }
            }
        }
    }

    /// <summary>Reads frames into the channel; a clean end of the pipe means the parent is gone.</summary>
    private static async Task PumpAsync(FrameReader reader, ChannelWriter<(FrameType, byte[])> frames, Action? onParentGone, CancellationToken cancellationToken)
    {
        try
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } frame)
            {
                frames.TryWrite((frame.Type, frame.Payload.ToArray()));
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

    private static async ValueTask<int?> HandleAsync(FrameType type, byte[] payload, LoopState state, CancellationToken cancellationToken)
    {
        switch (type)
        {
            case FrameType.Shutdown:
                return 0;
            case FrameType.Initialize:
                try
                {
                    var message = JsonSerializer.Deserialize<InitializeMessage>(payload, Json) ?? throw new InvalidDataException("The Initialize frame was empty.");
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
                    var start = JsonSerializer.Deserialize<StartMessage>(payload, Json) ?? throw new InvalidDataException("The Start frame was empty.");
                    state.Invoker = WorkInvoker.Create(start);
                }
                catch (Exception ex)
                {
                    await SendFailureAsync(state.Writer, ex, cancellationToken).ConfigureAwait(false);
                    return StartFailedExitCode;
                }

                return null;
            case FrameType.Batch when state.Invoker is not null:
                try
                {
                    await RunBatchAsync(payload, state, cancellationToken).ConfigureAwait(false);
                }
                catch (InvalidDataException ex)
                {
                    await SendFailureAsync(state.Writer, ex, cancellationToken).ConfigureAwait(false);
                    return ProtocolErrorExitCode;
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

    private static async Task RunBatchAsync(byte[] payload, LoopState state, CancellationToken cancellationToken)
    {
        var memory = payload.AsMemory();
        var (batchId, count) = BatchCodec.ReadHeader(memory.Span);
        var offset = BatchCodec.HeaderSize;
        var results = state.Results;
        var countOffset = BatchCodec.BeginFrame(results, batchId);
        var inFrame = 0;
        var lastFlush = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var (index, value) = BatchCodec.ReadItem(memory, ref offset);
            var scratch = state.Scratch;
            scratch.Clear();
            var started = Stopwatch.GetTimestamp();
            var error = await state.Invoker!.InvokeAsync(index, value, scratch, cancellationToken).ConfigureAwait(false);
            var now = Stopwatch.GetTimestamp();
            var duration = TimeSpan.FromSeconds((now - started) / (double)Stopwatch.Frequency).Ticks;
            byte[]? errorJson = null;
            if (error is null && scratch.Length + BatchCodec.ResultOverhead + BatchCodec.HeaderSize > state.MaxPayloadBytes)
            {
                error = RemoteError.From(new WorkSerializationException(
                    $"The result of item {index} takes {scratch.Length:N0} bytes, more than the maximum frame size of {state.MaxPayloadBytes:N0} bytes. "
                    + "Return smaller results, or raise ProcessStrategyOptions.MaxFrameBytes."));
            }

            if (error is not null)
            {
                errorJson = BatchCodec.SerializeError(error);
            }

            var entryLength = BatchCodec.ResultOverhead + (errorJson?.Length ?? scratch.Length);
            if (inFrame > 0 && results.Length + entryLength > state.MaxPayloadBytes)
            {
                await FlushAsync(state, countOffset, inFrame, cancellationToken).ConfigureAwait(false);
                countOffset = BatchCodec.BeginFrame(results, batchId);
                inFrame = 0;
            }

            results.WriteInt64(index);
            results.WriteByte(errorJson is null ? BatchCodec.ValueKind : BatchCodec.ErrorKind);
            results.WriteInt64(duration);
            var data = errorJson ?? scratch.WrittenSpan;
            results.WriteInt32(data.Length);
            results.Write(data);
            inFrame++;

            if (i < count - 1 && now - lastFlush >= FlushTicks)
            {
                await FlushAsync(state, countOffset, inFrame, cancellationToken).ConfigureAwait(false);
                countOffset = BatchCodec.BeginFrame(results, batchId);
                inFrame = 0;
                lastFlush = now;
            }
        }

        await FlushAsync(state, countOffset, inFrame, cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask FlushAsync(LoopState state, int countOffset, int count, CancellationToken cancellationToken)
    {
        state.Results.PatchInt32(countOffset, count);
        return state.Writer.WriteAsync(FrameType.Results, state.Results.WrittenMemory, cancellationToken);
    }

    private static ValueTask SendAsync<T>(FrameWriter writer, FrameType type, T message, CancellationToken cancellationToken) =>
        writer.WriteAsync(type, JsonSerializer.SerializeToUtf8Bytes(message, Json), cancellationToken);

    private static ValueTask SendFailureAsync(FrameWriter writer, Exception error, CancellationToken cancellationToken) =>
        SendAsync(writer, FrameType.Failure, RemoteError.From(error), cancellationToken);

    private sealed class LoopState(FrameWriter writer, int maxPayloadBytes)
    {
        public FrameWriter Writer { get; } = writer;

        public int MaxPayloadBytes { get; } = maxPayloadBytes;

        public FrameBuffer Results { get; } = new();

        public FrameBuffer Scratch { get; } = new();

        public WorkInvoker? Invoker { get; set; }
    }
}
