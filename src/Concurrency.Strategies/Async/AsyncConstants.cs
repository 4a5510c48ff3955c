namespace Concurrency.Strategies.Async;

/// <summary>Defaults and limits of <see cref="AsyncStrategy"/>, in one place.</summary>
internal static class AsyncConstants
{
    /// <summary>
    /// Default in-flight operations: 100, the connection limit that aiohttp and many HTTP servers assume per
    /// client. Raise it for latency-bound work against endpoints that accept more.
    /// </summary>
    public const int DefaultMaxConcurrency = 100;

    /// <summary>An upper bound that catches unit mistakes (bytes, ticks) rather than a real limit.</summary>
    public const int MaxConcurrencyLimit = 1_000_000;

    /// <summary>Items pulled from the source and not yet taken by the consumer, at most.</summary>
    public static int WindowCapacity(int maxConcurrency) => checked((2 * maxConcurrency) + 64);
}
