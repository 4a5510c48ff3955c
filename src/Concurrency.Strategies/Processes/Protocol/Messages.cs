using System.Text.Json;

namespace Concurrency.Strategies.Processes.Protocol;

// The payloads of the frames, serialized with System.Text.Json. Kept together: they are one schema.

/// <summary><see cref="FrameType.Hello"/>: the worker is up.</summary>
internal sealed record HelloMessage(int ProcessId, string Runtime);

/// <summary><see cref="FrameType.Start"/>: what to run, and the types that cross the boundary.</summary>
internal sealed record StartMessage(WorkIdentity Work, string InputType, string OutputType);

/// <summary><see cref="FrameType.Batch"/>: items to run, in order.</summary>
internal sealed record BatchMessage(long BatchId, IReadOnlyList<BatchItem> Items);

/// <summary>One item of a batch: its index in the run and its serialized value.</summary>
internal sealed record BatchItem(long Index, JsonElement Value);

/// <summary><see cref="FrameType.Results"/>: one result per item of a batch, same order.</summary>
internal sealed record ResultsMessage(long BatchId, IReadOnlyList<ItemResult> Results);

/// <summary>The outcome of one item in a worker: a serialized result or a remote error.</summary>
internal sealed record ItemResult(long Index, JsonElement? Value, RemoteError? Error, long DurationTicks);

/// <summary>An exception as it crosses the process boundary: type, message, stack trace and inner errors.</summary>
internal sealed record RemoteError(string Type, string Message, string? StackTrace, IReadOnlyList<RemoteError> Inner)
{
    public static RemoteError From(Exception exception) => new(
        exception.GetType().FullName ?? exception.GetType().Name,
        exception.Message,
        exception.StackTrace,
        exception is AggregateException aggregate
            ? aggregate.InnerExceptions.Select(From).ToArray()
            : exception.InnerException is { } inner ? [From(inner)] : []);
}
