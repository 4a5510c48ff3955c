using System.Diagnostics;

namespace Concurrency.Strategies.Threading;

/// <summary>
/// Sizes a lane's chunks (thread lanes) or batches (process lanes): start with one item, double while a chunk
/// finishes well under the target duration, and shrink at once when items get slower, so slow items travel alone
/// and tiny ones in bulk. Durations are in any unit, the same for the target and the observations.
/// </summary>
internal struct ChunkSizer
{
    private static readonly long ThreadTargetTicks = (long)(ThreadConstants.TargetChunkDuration.TotalSeconds * Stopwatch.Frequency);
    private readonly long _targetTicks;
    private readonly int _fixed;
    private readonly int _max;
    private int _next;

    /// <param name="fixedSize">A fixed size (no sizing), or <see langword="null"/>.</param>
    /// <param name="max">The largest size.</param>
    /// <param name="targetTicks">The target duration; <see langword="null"/> for a thread lane's (<see cref="ThreadConstants.TargetChunkDuration"/> in <see cref="Stopwatch"/> ticks).</param>
    public ChunkSizer(int? fixedSize, int max, long? targetTicks = null)
    {
        _fixed = fixedSize ?? 0;
        _max = max;
        _next = fixedSize ?? 1;
        _targetTicks = targetTicks ?? ThreadTargetTicks;
    }

    public readonly int Next => _next;

    public void Observe(int items, long elapsedTicks)
    {
        if (_fixed > 0 || items <= 0)
        {
            return;
        }

        var perItem = Math.Max(1, elapsedTicks / items);
        var ideal = (int)Math.Clamp(_targetTicks / perItem, 1, _max);
        _next = ideal > _next ? Math.Min(ideal, _next * 2) : ideal;
    }
}
