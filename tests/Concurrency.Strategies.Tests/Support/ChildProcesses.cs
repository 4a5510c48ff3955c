using System.Globalization;

namespace Concurrency.Strategies.Tests.Support;

/// <summary>Finds processes by scanning /proc, so tests assert on real child processes instead of sleeping.</summary>
internal static class ChildProcesses
{
    /// <summary>True while a process with this id exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The ids of the worker host processes whose parent is <paramref name="parentPid"/>.</summary>
    public static IReadOnlyList<int> WorkerHostsOf(int parentPid)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var text = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parentPid && fields[0] != "Z"
                    && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains("Concurrency.Strategies.WorkerHost", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>The environment of a process (NUL-separated <c>NAME=value</c> entries), or empty if it is gone.</summary>
    public static string EnvironmentOf(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/environ");
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    /// <summary>Waits (polling /proc, bounded by <paramref name="within"/>) until none of <paramref name="pids"/> is alive; returns those still alive.</summary>
    public static async Task<IReadOnlyList<int>> WaitForExitAsync(IEnumerable<int> pids, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var alive = pids.Where(IsAlive).ToList();
        while (alive.Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            alive = alive.Where(IsAlive).ToList();
        }

        return alive;
    }
}
