using System.Diagnostics;

namespace Concurrency.Strategies.Threading;

/// <summary>
/// Sizes a thread lane's chunks: start with one item, double while a chunk finishes well under the target
/// duration, and shrink at once when items get slower, so slow items travel alone and tiny ones in bulk.
/// </summary>
internal struct ChunkSizer
{
    private static readonly long TargetTicks = (long)(ThreadConstants.TargetChunkDuration.TotalSeconds * Stopwatch.Frequency);
    private readonly int _fixed;
    private readonly int _max;
    private int _next;

    public ChunkSizer(int? fixedSize, int max)
    {
        _fixed = fixedSize ?? 0;
        _max = max;
        _next = fixedSize ?? 1;
    }

    public readonly int Next => _next;

    public void Observe(int items, long elapsedTicks)
    {
        if (_fixed > 0 || items <= 0)
        {
            return;
        }

        var perItem = Math.Max(1, elapsedTicks / items);
        var ideal = (int)Math.Clamp(TargetTicks / perItem, 1, _max);
        _next = ideal > _next ? Math.Min(ideal, _next * 2) : ideal;
    }
}
