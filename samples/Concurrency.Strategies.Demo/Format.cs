using System.Globalization;

namespace Concurrency.Strategies.Demo;

/// <summary>Number formats for the tables, culture-invariant so the output is the same on every machine.</summary>
internal static class Format
{
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    public static string Milliseconds(TimeSpan value) => value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    public static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    public static string Speedup(double factor) => factor.ToString("0.00", CultureInfo.InvariantCulture) + "x";
}
