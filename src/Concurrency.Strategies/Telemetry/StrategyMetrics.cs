using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Concurrency.Strategies.Telemetry;

/// <summary>The library's one meter and activity source, and its instruments (names <c>concurrency.strategies.*</c>).</summary>
internal static class StrategyMetrics
{
    private static readonly string? Version = typeof(StrategyMetrics).Assembly.GetName().Version?.ToString();

    public static readonly ActivitySource ActivitySource = new(ConcurrencyStrategiesTelemetry.ActivitySourceName, Version);

    public static readonly Meter Meter = new(ConcurrencyStrategiesTelemetry.MeterName, Version);

    public static readonly Counter<long> ItemsStarted = Meter.CreateCounter<long>(
        "concurrency.strategies.items.started", "{item}", "Work items whose work began.");

    public static readonly Counter<long> ItemsCompleted = Meter.CreateCounter<long>(
        "concurrency.strategies.items.completed", "{item}", "Work items that finished with a result.");

    public static readonly Counter<long> ItemsFailed = Meter.CreateCounter<long>(
        "concurrency.strategies.items.failed", "{item}", "Work items that finished with an error (timeouts included).");

    public static readonly Histogram<double> ItemDuration = Meter.CreateHistogram<double>(
        "concurrency.strategies.item.duration", "s", "Duration of one work item, all attempts included.");

    public static readonly UpDownCounter<long> ItemsInFlight = Meter.CreateUpDownCounter<long>(
        "concurrency.strategies.items.in_flight", "{item}", "Work items running now.");

    public static readonly UpDownCounter<long> WorkersAlive = Meter.CreateUpDownCounter<long>(
        "concurrency.strategies.workers.alive", "{process}", "Worker processes alive now.");

    public static readonly Counter<long> WorkersStarted = Meter.CreateCounter<long>(
        "concurrency.strategies.workers.started", "{process}", "Worker processes started.");

    public static readonly Counter<long> WorkersCrashed = Meter.CreateCounter<long>(
        "concurrency.strategies.workers.crashed", "{process}", "Worker processes that died or were killed (crash, timeout, protocol error).");

    public static readonly Counter<long> WorkersRecycled = Meter.CreateCounter<long>(
        "concurrency.strategies.workers.recycled", "{process}", "Worker processes replaced on purpose (item count, memory, idle).");

    public static readonly Histogram<long> BatchSize = Meter.CreateHistogram<long>(
        "concurrency.strategies.batch.size", "{item}", "Items per batch sent to a worker process.");

    public static readonly UpDownCounter<long> QueueDepth = Meter.CreateUpDownCounter<long>(
        "concurrency.strategies.workers.queue_depth", "{item}", "Items sent to worker processes and not yet answered.");

    private static readonly KeyValuePair<string, object?> ThreadTag = new("concurrency.strategy", "thread");
    private static readonly KeyValuePair<string, object?> ProcessTag = new("concurrency.strategy", "process");
    private static readonly KeyValuePair<string, object?> AsyncTag = new("concurrency.strategy", "async");
    private static readonly KeyValuePair<string, object?> ClusterTag = new("concurrency.strategy", "cluster");

    public static KeyValuePair<string, object?> TagFor(StrategyKind kind) => kind switch
    {
        StrategyKind.Thread => ThreadTag,
        StrategyKind.Process => ProcessTag,
        StrategyKind.Cluster => ClusterTag,
        _ => AsyncTag,
    };
}
