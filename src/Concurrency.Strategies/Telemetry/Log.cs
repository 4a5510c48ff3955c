using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Telemetry;

/// <summary>The library's source-generated log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Strategy} run started with MaxConcurrency {MaxConcurrency}, Ordered {Ordered}")]
    public static partial void RunStarted(ILogger logger, StrategyKind strategy, int maxConcurrency, bool ordered);

    [LoggerMessage(2, LogLevel.Debug, "{Strategy} run finished: {Completed} outcomes, {Failed} failed, in {ElapsedMs} ms")]
    public static partial void RunCompleted(ILogger logger, StrategyKind strategy, long completed, long failed, double elapsedMs);

    [LoggerMessage(3, LogLevel.Information, "{Strategy} run stopped early after {Completed} outcomes: {Reason}")]
    public static partial void RunStopped(ILogger logger, StrategyKind strategy, long completed, string reason);

    [LoggerMessage(4, LogLevel.Error, "{Strategy} run failed: its source or the engine threw")]
    public static partial void RunFaulted(ILogger logger, StrategyKind strategy, Exception exception);

    [LoggerMessage(5, LogLevel.Debug, "Worker thread {ThreadName} started ({LiveThreads} alive)")]
    public static partial void ThreadStarted(ILogger logger, string threadName, int liveThreads);

    [LoggerMessage(6, LogLevel.Debug, "Worker thread {ThreadName} exited: {Reason} ({LiveThreads} alive)")]
    public static partial void ThreadExited(ILogger logger, string threadName, string reason, int liveThreads);

    [LoggerMessage(7, LogLevel.Debug, "{Strategy} strategy disposed; {ActiveRuns} active run(s) cancelled")]
    public static partial void StrategyDisposed(ILogger logger, StrategyKind strategy, int activeRuns);
}
