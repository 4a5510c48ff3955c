namespace Concurrency.Strategies.Orleans.Grains;

/// <summary>One item on its way to a silo: which work to run (the process strategy's Start message, as JSON) and the item's bytes.</summary>
[GenerateSerializer]
[Immutable]
[Alias("Concurrency.Strategies.WorkRequest")]
internal sealed class WorkRequest
{
    /// <summary>Gets the <c>StartMessage</c> as JSON: the work's identity, the item and result types, the serializer factory.</summary>
    [Id(0)]
    public string Start { get; init; } = string.Empty;

    /// <summary>Gets the item, as the run's <see cref="Processes.IWorkSerializer"/> wrote it.</summary>
    [Id(1)]
    public byte[] Item { get; init; } = [];

    /// <summary>Gets the item's position in the input, for error messages; -1 when the caller does not send it (the cluster strategy's work sees no index).</summary>
    [Id(2)]
    public long Index { get; init; }

    /// <summary>Gets the call's id, by which <see cref="IWorkItemGrain.CancelAsync"/> finds the running item on its silo.</summary>
    [Id(5)]
    public Guid CallId { get; init; }

    /// <summary>Gets the caller's activity id (W3C traceparent), so the work runs in the caller's trace; <see langword="null"/> when there is none.</summary>
    [Id(3)]
    public string? TraceParent { get; init; }

    /// <summary>Gets the caller's W3C tracestate, if any.</summary>
    [Id(4)]
    public string? TraceState { get; init; }
}

/// <summary>What a silo answers: the result's bytes or the error, and which silo ran the item.</summary>
[GenerateSerializer]
[Immutable]
[Alias("Concurrency.Strategies.WorkReply")]
internal sealed class WorkReply
{
    /// <summary>Gets the result, as the run's serializer wrote it; <see langword="null"/> when the item failed.</summary>
    [Id(0)]
    public byte[]? Result { get; init; }

    /// <summary>Gets the failure as the process protocol's <c>RemoteError</c> JSON (type, message, stack, inner errors); <see langword="null"/> on success.</summary>
    [Id(1)]
    public string? Error { get; init; }

    /// <summary>Gets the silo that ran the item (its address).</summary>
    [Id(2)]
    public string Silo { get; init; } = string.Empty;
}

/// <summary>
/// The calls of a grain that runs items on a silo; two grains implement it (<see cref="IStatelessWorkItemGrain"/> and
/// <see cref="IPlacedWorkItemGrain"/>). The key is a dispatch slot: the strategy spreads items over slots.
/// </summary>
[Alias("Concurrency.Strategies.IWorkItemGrain")]
internal interface IWorkItemGrain : IGrainWithIntegerKey
{
    /// <summary>Runs one item; <see cref="CancelAsync"/> with the request's <see cref="WorkRequest.CallId"/> cancels its token.</summary>
    /// <remarks>
    /// The call carries no Orleans <see cref="CancellationToken"/>: Orleans routes a call's cancellation to any activation
    /// of a stateless worker, not necessarily the one running the call (dotnet/orleans#9877), so cancellation is a call
    /// of its own, routed by the same key to the same silo, where a silo-wide registry finds the item. The response
    /// timeout is a day: how long an item may take is the caller's <c>RunOptions.ItemTimeout</c>, not Orleans' 30-second
    /// default. A silo that dies is noticed by the caller's checks (<see cref="IsRunningAsync"/>), not by this timeout.
    /// </remarks>
    [Alias("Run")]
    [ResponseTimeout("1.00:00:00")]
    ValueTask<WorkReply> RunAsync(WorkRequest request);

    /// <summary>Cancels the token of the item with <paramref name="callId"/> on this silo, or of the item that arrives with it next.</summary>
    [Alias("Cancel")]
    ValueTask CancelAsync(Guid callId);

    /// <summary>
    /// Whether this silo is running the item with <paramref name="callId"/>: the caller's check that a long call's silo is
    /// still alive and still has the item (Orleans does not always fail a client's pending calls when their silo dies).
    /// </summary>
    [Alias("IsRunning")]
    ValueTask<bool> IsRunningAsync(Guid callId);
}

/// <summary>
/// For calls from a client: a stateless worker, which activates on the silo the call arrives at. The Orleans client
/// routes each key through one of its gateways, so the keys spread the items over the silos, in one hop.
/// </summary>
[Alias("Concurrency.Strategies.IStatelessWorkItemGrain")]
internal interface IStatelessWorkItemGrain : IWorkItemGrain;

/// <summary>
/// For calls from inside a silo, where a stateless worker would always activate on the calling silo: a grain placed at
/// random, one activation per key, so the keys spread the items over the silos.
/// </summary>
[Alias("Concurrency.Strategies.IPlacedWorkItemGrain")]
internal interface IPlacedWorkItemGrain : IWorkItemGrain;
