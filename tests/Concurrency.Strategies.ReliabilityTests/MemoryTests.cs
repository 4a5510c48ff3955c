using System.Diagnostics;
using System.Text.Json;
using Concurrency.Strategies.ReliabilityTests.Support;
using Concurrency.Strategies.Tests.Support;
using Xunit.Abstractions;

namespace Concurrency.Strategies.ReliabilityTests;

/// <summary>
/// Constant memory: a long lazy stream through each strategy keeps the parent's peak RSS under 200 MB, and the
/// workers' under their recycling limit. The parent is a fresh process (TestWorkloads "stream") that runs the stream
/// and reports its own high-water mark, so what earlier tests left in this test host does not count.
/// </summary>
public sealed class MemoryTests(ITestOutputHelper output)
{
    private const long ParentLimit = 200L * 1024 * 1024;
    private const long WorkerLimit = 160L * 1024 * 1024;

    [Theory]
    [InlineData("thread")]
    [InlineData("async")]
    [InlineData("process")]
    public async Task LazyStream_ThroughEachStrategy_ParentPeakRssStaysUnder200MB(string kind)
    {
        long items = Reliability.Size(1_000_000, 10_000_000);
        using var parent = TestWorkloadsApp.Start(
            typeof(MemoryTests).Assembly,
            "stream", kind, items.ToString(System.Globalization.CultureInfo.InvariantCulture), WorkerLimit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var stdout = parent.StandardOutput.ReadToEndAsync();
        var stderr = parent.StandardError.ReadToEndAsync();
        try
        {
            await parent.WaitForExitAsync().WaitAsync(Reliability.HangGuard);
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill(entireProcessTree: true); // ours, by id
            }
        }

        parent.ExitCode.Should().Be(0, await stderr);
        using var report = JsonDocument.Parse(await stdout);
        var root = report.RootElement;
        var peak = root.GetProperty("peakRssBytes").GetInt64();
        var workerPeak = root.GetProperty("workerPeakRssBytes").GetInt64();
        var growth = root.GetProperty("rssAtEndBytes").GetInt64() - root.GetProperty("rssAtQuarterBytes").GetInt64();
        Reliability.Record(output, $"memory-{kind}", new Dictionary<string, object>
        {
            ["items"] = items, ["seconds"] = root.GetProperty("seconds").GetDouble(), ["peakRssMB"] = peak / (1024 * 1024),
            ["rssGrowthLastThreeQuartersMB"] = growth / (1024 * 1024), ["workerPeakRssMB"] = workerPeak / (1024 * 1024), ["workerLimitMB"] = kind == "process" ? WorkerLimit / (1024 * 1024) : 0,
        });
        root.GetProperty("items").GetInt64().Should().Be(items);
        root.GetProperty("errors").GetInt64().Should().Be(0);
        root.GetProperty("sum").GetInt64().Should().Be(items, "every result is its item plus one");
        root.GetProperty("outOfOrder").GetInt64().Should().Be(0, "Ordered = true yields the outcomes in input order");
        peak.Should().BeLessThan(ParentLimit, "the run holds a bounded window of items, never the stream");
        growth.Should().BeLessThan(24L * 1024 * 1024, "memory is flat once the run is going: a leak of even 30 bytes per item would show here");
        if (kind == "process")
        {
            workerPeak.Should().BePositive("the workers were sampled while the run went on");
            workerPeak.Should().BeLessThan(WorkerLimit, "a worker above MaxWorkerMemoryBytes is replaced after its batch (that replacement is tested in the main suite's ProcessStrategyTests)");
        }
    }
}
