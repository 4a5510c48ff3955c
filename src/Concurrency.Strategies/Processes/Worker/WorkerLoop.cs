using System.Runtime.InteropServices;
using System.Text.Json;
using Concurrency.Strategies.Processes.Protocol;

namespace Concurrency.Strategies.Processes.Worker;

/// <summary>
/// The child side of the protocol, independent of how the process was started: say hello, resolve the work from
/// the <see cref="FrameType.Start"/> frame, then answer each <see cref="FrameType.Batch"/> with a
/// <see cref="FrameType.Results"/> frame. It returns when the parent closes its pipe (so a dead parent leaves no
/// orphan) or sends <see cref="FrameType.Shutdown"/>.
/// </summary>
internal static class WorkerLoop
{
    /// <summary>The process exit code when the work cannot be started (reported to the parent in a Failure frame).</summary>
    public const int StartFailedExitCode = 3;

    /// <summary>The exit code when the parent broke the protocol.</summary>
    public const int ProtocolErrorExitCode = 4;

    public static async Task<int> RunAsync(Stream fromParent, Stream toParent, int maxPayloadBytes, CancellationToken cancellationToken = default)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.General);
        var reader = new FrameReader(fromParent, maxPayloadBytes);
        using var writer = new FrameWriter(toParent, maxPayloadBytes);
        await SendAsync(writer, FrameType.Hello, new HelloMessage(Environment.ProcessId, RuntimeInformation.FrameworkDescription), json, cancellationToken).ConfigureAwait(false);

        var first = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (first is null)
        {
            return 0;
        }

        if (first.Value.Type != FrameType.Start)
        {
            await SendFailureAsync(writer, new InvalidDataException($"Expected a Start frame first, got {first.Value.Type}."), json, cancellationToken).ConfigureAwait(false);
            return ProtocolErrorExitCode;
        }

        WorkInvoker invoker;
        try
        {
            var start = JsonSerializer.Deserialize<StartMessage>(first.Value.Payload.Span, json)
                ?? throw new InvalidDataException("The Start frame was empty.");
            invoker = WorkInvoker.Create(start, json);
        }
        catch (Exception ex)
        {
            await SendFailureAsync(writer, ex, json, cancellationToken).ConfigureAwait(false);
            return StartFailedExitCode;
        }

        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } frame)
        {
            switch (frame.Type)
            {
                case FrameType.Shutdown:
                    return 0;
                case FrameType.Batch:
                    var batch = JsonSerializer.Deserialize<BatchMessage>(frame.Payload.Span, json)
                        ?? throw new InvalidDataException("A Batch frame was empty.");
                    var results = new ItemResult[batch.Items.Count];
                    for (var i = 0; i < results.Length; i++)
                    {
                        results[i] = await invoker.InvokeAsync(batch.Items[i], cancellationToken).ConfigureAwait(false);
                    }

                    await SendAsync(writer, FrameType.Results, new ResultsMessage(batch.BatchId, results), json, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await SendFailureAsync(writer, new InvalidDataException($"Unexpected {frame.Type} frame from the parent."), json, cancellationToken).ConfigureAwait(false);
                    return ProtocolErrorExitCode;
            }
        }

        return 0;
    }

    private static ValueTask SendAsync<T>(FrameWriter writer, FrameType type, T message, JsonSerializerOptions json, CancellationToken cancellationToken) =>
        writer.WriteAsync(type, JsonSerializer.SerializeToUtf8Bytes(message, json), cancellationToken);

    private static ValueTask SendFailureAsync(FrameWriter writer, Exception error, JsonSerializerOptions json, CancellationToken cancellationToken) =>
        SendAsync(writer, FrameType.Failure, RemoteError.From(error), json, cancellationToken);
}
