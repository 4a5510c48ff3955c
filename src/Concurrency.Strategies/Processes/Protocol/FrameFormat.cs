namespace Concurrency.Strategies.Processes.Protocol;

/// <summary>
/// The wire format: a 5-byte header (payload length as a little-endian <see cref="int"/>, then the
/// <see cref="FrameType"/>) followed by the payload. Lengths are checked against a maximum before anything is
/// allocated, so a corrupt or hostile header cannot make a reader allocate without bound.
/// </summary>
internal static class FrameFormat
{
    public const int HeaderSize = 5;

    /// <summary>The default largest payload: 64 MiB, far above any sane batch, far below a runaway allocation.</summary>
    public const int DefaultMaxPayloadBytes = 64 * 1024 * 1024;

    /// <summary>
    /// How long the parent waits for more bytes of a frame its worker has started: a worker writes a frame without
    /// pausing (header and payload back to back), so a frame that stops half-way for this long comes from a broken or
    /// stuck worker, which is then killed and replaced. The clock restarts whenever bytes arrive.
    /// </summary>
    public static readonly TimeSpan WorkerStallTimeout = TimeSpan.FromSeconds(5);

    public static bool IsKnown(FrameType type) => type is >= FrameType.Hello and <= FrameType.Cancel;
}
