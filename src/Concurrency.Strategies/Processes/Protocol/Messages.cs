namespace Concurrency.Strategies.Processes.Protocol;

// The control payloads, serialized with System.Text.Json. Batches and results use the binary layout of
// BatchCodec instead: they are the hot path. Kept together: they are one schema.

/// <summary><see cref="FrameType.Hello"/>: the worker is up.</summary>
internal sealed record HelloMessage(int ProcessId, string Runtime);

/// <summary>
/// <see cref="FrameType.Start"/>: what to run, the types that cross the boundary, and the serializer factory
/// (<see langword="null"/>: <see cref="JsonWorkSerializer.Default"/>). A worker may be started again with other
/// work between runs; batches always use the latest Start.
/// </summary>
/// <remarks><see cref="TraceParent"/> is the run's activity id: the worker runs each batch in an activity that continues that trace.</remarks>
internal sealed record StartMessage(WorkIdentity Work, string InputType, string OutputType, WorkIdentity? Serializer = null)
{
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }
}

/// <summary><see cref="FrameType.Initialize"/>: the worker initializer and its argument as JSON (<see langword="null"/>: none).</summary>
internal sealed record InitializeMessage(WorkIdentity Initializer, string? ArgumentType, string? ArgumentJson);

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

/// <summary>
/// Source-generated JSON for the control frames: a fresh worker serializes its first messages without building
/// reflection metadata, which costs tens of milliseconds of its start.
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.General)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HelloMessage))]
[System.Text.Json.Serialization.JsonSerializable(typeof(StartMessage))]
[System.Text.Json.Serialization.JsonSerializable(typeof(InitializeMessage))]
[System.Text.Json.Serialization.JsonSerializable(typeof(RemoteError))]
internal sealed partial class ProtocolJson : System.Text.Json.Serialization.JsonSerializerContext;
