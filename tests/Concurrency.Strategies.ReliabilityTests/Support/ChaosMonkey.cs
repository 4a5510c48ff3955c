using System.Diagnostics;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Tests.Support;

namespace Concurrency.Strategies.ReliabilityTests.Support;

/// <summary>
/// Kills a random live worker of one <see cref="ProcessStrategy"/> with SIGKILL every <c>interval</c> (seeded, so a
/// failure repeats). It kills only that strategy's workers, by process id: nothing else on the machine. A worker is
/// a candidate once it has been up for <see cref="MinimumAge"/>: a .NET worker takes ~160 ms to start here, so killing
/// workers that are still starting, 20 times a second on 2 cores, would only measure start-up cost, never a run.
/// </summary>
internal sealed class ChaosMonkey : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int kills;

    public static readonly TimeSpan MinimumAge = TimeSpan.FromMilliseconds(250);

    private ChaosMonkey(ProcessStrategy strategy, TimeSpan interval, int seed)
    {
        var random = new Random(seed);
        var firstSeen = new Dictionary<int, DateTime>();
        loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
            {
                var now = DateTime.UtcNow;
                var workers = strategy.WorkerProcessIds.ToArray(); // one snapshot: the pool replaces workers meanwhile
                foreach (var pid in workers)
                {
                    firstSeen.TryAdd(pid, now);
                }

                var alive = workers.Where(pid => now - firstSeen[pid] >= MinimumAge && ChildProcesses.IsAlive(pid)).ToList();
                if (alive.Count == 0)
                {
                    continue;
                }

                var victim = alive[random.Next(alive.Count)];
                try
                {
                    using var process = Process.GetProcessById(victim);
                    process.Kill(); // SIGKILL on Linux
                    Interlocked.Increment(ref kills);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // It exited (or was replaced) between the listing and the kill.
                }
            }
        });
    }

    public int Kills => Volatile.Read(ref kills);

    public static ChaosMonkey Start(ProcessStrategy strategy, TimeSpan interval, int seed) => new(strategy, interval, seed);

    /// <summary>Waits (bounded) until at least <paramref name="count"/> kills happened.</summary>
    public Task<bool> KilledAtLeastAsync(int count, TimeSpan within) => Reliability.EventuallyAsync(() => Kills >= count, within);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }
}

/// <summary>Counts outcomes per input index: lost, duplicated, failed, wrong.</summary>
internal sealed class Tally(long items)
{
    private readonly int[] seen = new int[items];

    public long Outcomes { get; private set; }

    public long Duplicated { get; private set; }

    public long Invented { get; private set; }

    public long Failed { get; private set; }

    public long Wrong { get; private set; }

    public Dictionary<string, long> FailureTypes { get; } = [];

    public long Lost => seen.LongCount(s => s == 0);

    public void Add(long index, Exception? error, bool correct)
    {
        Outcomes++;
        if (index < 0 || index >= seen.Length)
        {
            Invented++;
            return;
        }

        if (++seen[index] > 1)
        {
            Duplicated++;
        }

        if (error is not null)
        {
            Failed++;
            var name = error.GetType().Name;
            FailureTypes[name] = FailureTypes.GetValueOrDefault(name) + 1;
        }
        else if (!correct)
        {
            Wrong++;
        }
    }

    public int Count(long index) => seen[index];
}
