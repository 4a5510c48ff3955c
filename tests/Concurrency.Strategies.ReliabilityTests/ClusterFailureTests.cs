using System.Diagnostics;
using System.Runtime.InteropServices;
using Concurrency.Strategies.LocalCluster;
using Concurrency.Strategies.Orleans;
using Concurrency.Strategies.ReliabilityTests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Concurrency.Strategies.ReliabilityTests;

/// <summary>
/// The cluster strategy on three real silo processes (samples/Concurrency.Strategies.Silo): one silo is SIGKILLed, or
/// frozen with SIGSTOP (a hung machine: its connections stay open and nothing answers), in the middle of a run. The
/// in-process cluster tests cannot do either. Every item must still get exactly one outcome, and a successful one.
/// </summary>
public sealed partial class ClusterFailureTests(ITestOutputHelper output)
{
    private const int SigKill = 9;
    private const int SigStop = 19;

    [Theory]
    [InlineData(SigKill)]
    [InlineData(SigStop)]
    public async Task ClusterStrategy_ASiloProcessKilledOrFrozenMidRun_EveryItemHasExactlyOneSuccessfulOutcome(int signal)
    {
        var items = Reliability.Size(1_500, 20_000);
        await using var silos = await LocalSilos.StartAsync(3, output.WriteLine).WaitAsync(Reliability.HangGuard);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.AddConcurrencyStrategies().AddOrleansCluster(
            o =>
            {
                o.MaxConcurrency = 24;
                o.SiloCheckInterval = TimeSpan.FromSeconds(1);
            },
            client => client.UseLocalhostClustering(silos.GatewayPorts));
        using var host = builder.Build();
        await host.StartAsync().WaitAsync(Reliability.HangGuard);
        var victim = silos.Processes[^1];
        try
        {
            var strategy = host.Services.GetRequiredService<ClusterStrategy>();
            var tally = new Tally(items);
            var clock = Stopwatch.StartNew();
            TimeSpan? signalledAt = null;
            using var guard = new CancellationTokenSource(Reliability.HangGuard);
            await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, items), ClusterWork.DoubleAfterDelayAsync).WithCancellation(guard.Token))
            {
                tally.Add(outcome.Index, outcome.Error, outcome.Result == outcome.Item * 2L);
                if (signalledAt is null && tally.Outcomes >= items / 4)
                {
                    Signal(victim.Id, signal).Should().Be(0, "the silo is a child of this test, alive until now");
                    signalledAt = clock.Elapsed;
                }
            }

            var total = clock.Elapsed;
            Reliability.Record(output, nameof(ClusterStrategy_ASiloProcessKilledOrFrozenMidRun_EveryItemHasExactlyOneSuccessfulOutcome), new Dictionary<string, object>
            {
                ["signal"] = signal == SigKill ? "SIGKILL" : "SIGSTOP",
                ["items"] = items,
                ["seconds"] = Math.Round(total.TotalSeconds, 2),
                ["signalledAtSeconds"] = Math.Round(signalledAt?.TotalSeconds ?? -1, 2),
                ["siloFailures"] = strategy.SiloFailures,
                ["itemsBySilo"] = string.Join(", ", strategy.ItemsBySilo.Values),
                ["lost"] = tally.Lost,
                ["duplicated"] = tally.Duplicated,
                ["failed"] = tally.Failed,
            });
            signalledAt.Should().NotBeNull();
            tally.Lost.Should().Be(0);
            tally.Duplicated.Should().Be(0);
            tally.Invented.Should().Be(0);
            tally.Failed.Should().Be(0, $"the lost silo's items are sent to the others (failures: {string.Join(", ", tally.FailureTypes.Select(f => $"{f.Key} {f.Value}"))})");
            tally.Wrong.Should().Be(0);
            strategy.SiloFailures.Should().BePositive("the lost silo was running items");
            strategy.ItemsBySilo.Should().HaveCount(3, "every silo ran items before one was lost");
        }
        finally
        {
            if (!victim.HasExited)
            {
                Signal(victim.Id, SigKill);
            }

            await host.StopAsync().WaitAsync(Reliability.HangGuard);
        }
    }

    private static int Signal(int pid, int signal) => Kill(pid, signal);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>Work for the silo processes: static, in this test assembly, which the silos load by path.</summary>
public static class ClusterWork
{
    public static async ValueTask<long> DoubleAfterDelayAsync(int x, CancellationToken cancellationToken)
    {
        await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        return x * 2L;
    }
}
