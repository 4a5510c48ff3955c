namespace Concurrency.Strategies.Internal;

/// <summary>Defaults shared by every strategy.</summary>
internal static class RunDefaults
{
    /// <summary>Progress is reported at most this often (plus a first and a final report).</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest <see cref="RunOptions.ItemTimeout"/> a timer can hold.</summary>
    public static readonly TimeSpan MaxItemTimeout = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);
}
