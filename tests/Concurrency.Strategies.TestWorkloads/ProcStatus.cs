using System.Globalization;

namespace Concurrency.Strategies.TestWorkloads;

/// <summary>A field of /proc/&lt;pid&gt;/status (VmRSS, VmHWM), in bytes; shared by the stream command and the reliability tests.</summary>
public static class ProcStatus
{
    /// <summary>The field's value in bytes, or 0 when the process is gone or the field is missing.</summary>
    public static long Bytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
