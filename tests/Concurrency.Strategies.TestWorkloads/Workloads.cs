using System.Diagnostics;

namespace Concurrency.Strategies.TestWorkloads;

/// <summary>Work that the process tests run in worker processes: each method is static, as the process strategy requires.</summary>
public static class Workloads
{
    /// <summary>The item that the crashing, hanging and throwing workloads pick on.</summary>
    public const int Poison = 13;

    private static readonly List<byte[]> Leak = new();
    private static string? s_initialized;

    public static int Square(int x) => x * x;

    public static long AddOne(long x) => x + 1;

    public static int ThrowOnPoison(int x) => x == Poison ? throw new InvalidOperationException($"item {x} is bad") : x;

    /// <summary>Throws an exception with an inner one, to check inner exceptions cross the boundary.</summary>
    public static int ThrowNested(int x) =>
        throw new InvalidOperationException($"outer {x}", new FormatException("inner cause"));

    public static int FailFastOnPoison(int x)
    {
        if (x == Poison)
        {
            Environment.FailFast($"poison item {x}");
        }

        return x;
    }

    public static int OverflowStackOnPoison(int x) => x == Poison ? Recurse(x) : x;

    private static int Recurse(int depth) => Recurse(depth + 1) + 1;

    public static int KillSelfOnPoison(int x)
    {
        if (x == Poison)
        {
            Process.GetCurrentProcess().Kill();
            Thread.Sleep(Timeout.Infinite);
        }

        return x;
    }

    /// <summary>Hangs forever on the poison item (ignores cancellation, like a stuck native call).</summary>
    public static int HangOnPoison(int x)
    {
        if (x == Poison)
        {
            Thread.Sleep(Timeout.Infinite);
        }

        return x;
    }

    public static int SleepMilliseconds(int milliseconds)
    {
        Thread.Sleep(milliseconds);
        return milliseconds;
    }

    /// <summary>Writes to the worker's stdout and stderr (which must not disturb the protocol).</summary>
    public static int Print(int x)
    {
        Console.WriteLine($"hello from item {x}");
        Console.Error.WriteLine($"warning from item {x}");
        return x;
    }

    /// <summary>Allocates <paramref name="megabytes"/> MiB that stay reachable (a leak) and returns the worker's process id.</summary>
    public static int LeakMegabytes(int megabytes)
    {
        var block = new byte[megabytes * 1024 * 1024];
        Array.Fill(block, (byte)1);
        Leak.Add(block);
        return Environment.ProcessId;
    }

    public static int ProcessId(int x) => Environment.ProcessId;

    /// <summary>Spins for about <paramref name="item"/>'s microseconds (its low 8 bits, so 0..255 µs), then returns item * 2: work long enough that a kill lands inside a batch.</summary>
    public static long SpinThenDouble(long item)
    {
        var until = Stopwatch.GetTimestamp() + ((item & 0xff) * Stopwatch.Frequency / 1_000_000);
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }

        return item * 2;
    }

    public static int Length(string text) => text.Length;

    public static string Repeat(int length) => new('y', length);

    public static Unserializable Broken(int x) => new();

    /// <summary>Counts primes below <paramref name="limit"/> by trial division: CPU-bound work.</summary>
    public static int CountPrimes(int limit)
    {
        var count = 0;
        for (var n = 2; n < limit; n++)
        {
            var prime = true;
            for (var d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            if (prime)
            {
                count++;
            }
        }

        return count;
    }

    public static void Initialize(string marker) => s_initialized = $"{marker}@{Environment.ProcessId}";

    public static void FailingInitializer() => throw new InvalidOperationException("the model file is missing");

    public static string Initialized(int x) => s_initialized ?? "not initialized";

    /// <summary>Creates the file <paramref name="path"/> (the test's sign that the item runs), then sleeps a minute ignoring cancellation.</summary>
    public static int SignalThenSleep(string path)
    {
        // Written aside, then moved into place: the test never reads a half-written file.
        File.WriteAllText(path + ".tmp", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Move(path + ".tmp", path);
        Thread.Sleep(60_000);
        return 0;
    }

    /// <summary>Waits, observing the token: cancellation stops it at once.</summary>
    public static async ValueTask<int> DelayCancellableAsync(int milliseconds, CancellationToken cancellationToken)
    {
        await Task.Delay(milliseconds, cancellationToken).ConfigureAwait(false);
        return milliseconds;
    }

    public static async Task<int> DelayAsync(int milliseconds)
    {
        await Task.Delay(milliseconds).ConfigureAwait(false);
        return milliseconds;
    }
}

/// <summary>A result that System.Text.Json cannot write: its property throws.</summary>
public sealed class Unserializable
{
    public int Value => throw new InvalidOperationException("Value cannot be read");
}
