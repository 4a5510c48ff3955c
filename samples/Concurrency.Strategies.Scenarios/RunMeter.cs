using System.Diagnostics;
using System.Globalization;

namespace Concurrency.Strategies.Scenarios;

/// <summary>
/// Measures a run: wall time, CPU time and peak resident memory of this process and of the given worker processes.
/// The peak is per run on Linux (the kernel's high-water mark is reset through <c>/proc/PID/clear_refs</c> at the start);
/// elsewhere it is the process's lifetime peak.
/// </summary>
public sealed class RunMeter
{
    private readonly Stopwatch clock;
    private readonly TimeSpan cpuAtStart;
    private readonly Dictionary<int, TimeSpan> workersAtStart;
    private readonly Func<IReadOnlyCollection<int>> workers;

    private RunMeter(Func<IReadOnlyCollection<int>> workers)
    {
        this.workers = workers;

        // The previous run's garbage out first, so that the peak is this run's.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var ids = workers();
        ResetPeak("self");
        foreach (var id in ids)
        {
            ResetPeak(id.ToString(CultureInfo.InvariantCulture));
        }

        workersAtStart = ids.ToDictionary(id => id, id => ProcessCpu(id) ?? TimeSpan.Zero);
        using (var self = Process.GetCurrentProcess())
        {
            cpuAtStart = self.TotalProcessorTime;
        }

        clock = Stopwatch.StartNew();
    }

    /// <summary>Starts measuring.</summary>
    /// <param name="workers">The worker process ids to include, read at the start and at the end; <see langword="null"/> for none.</param>
    /// <returns>The running meter.</returns>
    public static RunMeter Start(Func<IReadOnlyCollection<int>>? workers = null) => new(workers ?? (() => []));

    /// <summary>Stops the clock and reads the CPU time and the peak memory.</summary>
    /// <returns>Wall time, CPU time, peak resident bytes.</returns>
    public (TimeSpan Wall, TimeSpan Cpu, long PeakBytes) Stop()
    {
        var wall = clock.Elapsed;
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime - cpuAtStart;
        var peak = PeakBytes("self") ?? self.PeakWorkingSet64;
        foreach (var id in workers())
        {
            // A worker started during the run counts from zero; one that exited during the run is not counted.
            var key = id.ToString(CultureInfo.InvariantCulture);
            cpu += (ProcessCpu(id) ?? TimeSpan.Zero) - workersAtStart.GetValueOrDefault(id);
            peak += PeakBytes(key) ?? 0;
        }

        return (wall, cpu, peak);
    }

    private static void ResetPeak(string pid)
    {
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the peak is the lifetime peak.
        }
    }

    private static long? PeakBytes(string pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static TimeSpan? ProcessCpu(int pid)
    {
        try
        {
            // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks (USER_HZ, 100 on Linux builds for
            // x86-64 and arm64), after the parenthesised command name.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
