using System.Diagnostics.Metrics;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Telemetry;
using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Tests.Telemetry;

/// <summary>The meter is process-wide, so these tests run alone and count exactly.</summary>
[Collection(nameof(IsolatedTestGroup))]
public sealed class TelemetryTests
{
    [Theory]
    [InlineData(StrategyKind.Thread)]
    [InlineData(StrategyKind.Process)]
    [InlineData(StrategyKind.Async)]
    public async Task RunAsync_WithMeterListener_CountsItemsDurationsAndInFlight(StrategyKind kind)
    {
        var totals = new Dictionary<string, double>();
        var durations = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ConcurrencyStrategiesTelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            tags.ToArray().Should().Contain(new KeyValuePair<string, object?>("concurrency.strategy", kind.ToString().ToLowerInvariant()));
            lock (totals)
            {
                totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value;
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            value.Should().BeGreaterThanOrEqualTo(0);
            Interlocked.Increment(ref durations);
        });
        listener.Start();
        await using (IExecutionStrategy strategy = kind switch
        {
            StrategyKind.Thread => new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 3 }),
            StrategyKind.Process => new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 2 }),
            _ => new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = 3 }),
        })
        {
            await strategy.RunAsync(Enumerable.Range(0, 500), static x => x % 5 == 0 ? throw new InvalidOperationException() : x).CollectAsync();
        }

        totals["concurrency.strategies.items.started"].Should().Be(500);
        totals["concurrency.strategies.items.completed"].Should().Be(400);
        totals["concurrency.strategies.items.failed"].Should().Be(100);
        totals["concurrency.strategies.items.in_flight"].Should().Be(0, "every increment is matched once the run ends");
        durations.Should().Be(500);
        if (kind == StrategyKind.Process)
        {
            totals["concurrency.strategies.workers.started"].Should().BeInRange(1, 2);
            totals["concurrency.strategies.workers.alive"].Should().Be(0, "disposal stops every worker it counted");
            totals["concurrency.strategies.batch.size"].Should().Be(500, "each item travels in exactly one batch");
            totals["concurrency.strategies.workers.queue_depth"].Should().Be(0);
            totals.Should().NotContainKey("concurrency.strategies.workers.crashed");
        }
    }
}
