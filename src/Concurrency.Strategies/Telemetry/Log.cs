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

    [LoggerMessage(10, LogLevel.Information, "Worker {WorkerId} started as process {ProcessId} in {StartMs} ms")]
    public static partial void WorkerStarted(ILogger logger, int workerId, int processId, double startMs);

    [LoggerMessage(11, LogLevel.Information, "Worker {WorkerId} (process {ProcessId}) stopped: {Reason} ({LiveWorkers} alive)")]
    public static partial void WorkerStopped(ILogger logger, int workerId, int processId, string reason, int liveWorkers);

    [LoggerMessage(12, LogLevel.Warning, "Worker {WorkerId} (process {ProcessId}) died: exit code {ExitCode}, signal {Signal}; {Reason}")]
    public static partial void WorkerCrashed(ILogger logger, int workerId, int processId, int? exitCode, string? signal, string reason);

    [LoggerMessage(13, LogLevel.Information, "[worker {WorkerId}] {Line}")]
    public static partial void WorkerStandardOutput(ILogger logger, int workerId, string line);

    [LoggerMessage(14, LogLevel.Warning, "[worker {WorkerId} stderr] {Line}")]
    public static partial void WorkerStandardError(ILogger logger, int workerId, string line);

    [LoggerMessage(15, LogLevel.Warning, "Worker {WorkerId} (process {ProcessId}) is being killed: {Reason}")]
    public static partial void WorkerKilled(ILogger logger, int workerId, int processId, string reason);

    [LoggerMessage(16, LogLevel.Error, "A worker could not start: {Reason}")]
    public static partial void WorkerStartFailed(ILogger logger, string reason, Exception exception);
}
