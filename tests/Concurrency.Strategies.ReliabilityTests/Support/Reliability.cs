using System.Globalization;
using System.Text.Json;
using Concurrency.Strategies.TestWorkloads;
using Xunit.Abstractions;

// Memory and thread figures are per process: the suite's tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Concurrency.Strategies.ReliabilityTests.Support;

/// <summary>
/// The suite's two modes and its figures. Bounded (the default, what CI runs) keeps the whole suite to a couple of
/// minutes on 2 cores; <c>CONCURRENCY_STRATEGIES_RELIABILITY=long</c> runs the full sizes. Each test records its
/// figures (items, kills survived, items lost, orphans, peak memory) in the test output and, one JSON line per test,
/// in artifacts/reliability/figures.jsonl under the repository root, which docs/reliability.md quotes.
/// </summary>
internal static class Reliability
{
    public const string ModeVariable = "CONCURRENCY_STRATEGIES_RELIABILITY";

    public static bool Long { get; } = string.Equals(Environment.GetEnvironmentVariable(ModeVariable), "long", StringComparison.OrdinalIgnoreCase);

    public static string Mode => Long ? "long" : "bounded";

    /// <summary>Only guards against hangs; nothing waits this long when the code is right.</summary>
    public static TimeSpan HangGuard { get; } = TimeSpan.FromMinutes(Long ? 10 : 2);

    /// <summary>Picks the bounded or the long figure.</summary>
    public static int Size(int bounded, int longRun) => Long ? longRun : bounded;

    public static void Record(ITestOutputHelper output, string test, IReadOnlyDictionary<string, object> figures)
    {
        ArgumentNullException.ThrowIfNull(output);
        var line = new Dictionary<string, object>(figures) { ["test"] = test, ["mode"] = Mode, ["at"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
        var json = JsonSerializer.Serialize(line);
        output.WriteLine(json);
        if (FindRoot() is { } root)
        {
            var directory = Path.Combine(root, "artifacts", "reliability");
            Directory.CreateDirectory(directory);
            lock (typeof(Reliability))
            {
                File.AppendAllText(Path.Combine(directory, "figures.jsonl"), json + Environment.NewLine);
            }
        }
    }

    /// <summary>This process's peak resident set (VmHWM).</summary>
    public static long PeakRssBytes() => ProcStatus.Bytes(Environment.ProcessId, "VmHWM");

    /// <summary>A process's resident set (VmRSS); 0 when it is gone.</summary>
    public static long RssBytes(int pid) => ProcStatus.Bytes(pid, "VmRSS");

    /// <summary>Threads of this process whose name starts with <paramref name="prefix"/> (the kernel keeps 15 characters of a name).</summary>
    public static int ThreadsNamed(string prefix)
    {
        var kernelPrefix = prefix.Length > 15 ? prefix[..15] : prefix;
        var count = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(kernelPrefix, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }

        return count;
    }

    /// <summary>Waits (polling, bounded) until <paramref name="condition"/> holds; returns whether it did.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    private static string? FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Concurrency.Strategies.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
