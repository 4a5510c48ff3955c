namespace Concurrency.Strategies.Processes;

/// <summary>
/// The worker process running an item died before it answered: it was killed (SIGKILL, out of memory), called
/// <see cref="Environment.FailFast(string)"/>, overflowed its stack, or crashed in native code. Only the item it
/// was running fails with this exception; the pool starts a replacement and the run goes on.
/// </summary>
/// <remarks>
/// An item that crashed workers <see cref="ProcessStrategyOptions.QuarantineAfterCrashes"/> times is
/// <see cref="Quarantined"/>: it is not sent to a worker again, even by a retry policy.
/// </remarks>
public sealed class WorkerCrashedException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="WorkerCrashedException"/> class.</summary>
    public WorkerCrashedException()
        : this("A worker process died while it ran the item.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkerCrashedException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public WorkerCrashedException(string message)
        : base(message)
    {
        StandardErrorTail = [];
    }

    /// <summary>Initializes a new instance of the <see cref="WorkerCrashedException"/> class with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public WorkerCrashedException(string message, Exception? innerException)
        : base(message, innerException)
    {
        StandardErrorTail = [];
    }

    internal WorkerCrashedException(WorkerExit exit, int crashes, bool quarantined)
        : base(Describe(exit, crashes, quarantined))
    {
        WorkerId = exit.WorkerId;
        ProcessId = exit.ProcessId;
        ExitCode = exit.ExitCode;
        Signal = exit.Signal;
        StandardErrorTail = exit.StandardErrorTail;
        CrashCount = crashes;
        Quarantined = quarantined;
    }

    /// <summary>Gets the pool's number for the worker that died (as in the log).</summary>
    public int WorkerId { get; }

    /// <summary>Gets the operating system's id of the worker process that died.</summary>
    public int ProcessId { get; }

    /// <summary>Gets the worker's exit code (on Unix, 128 + the signal number when a signal ended it), or <see langword="null"/> if it could not be read.</summary>
    public int? ExitCode { get; }

    /// <summary>Gets the name of the signal that ended the worker (<c>SIGKILL</c>, <c>SIGSEGV</c>, <c>SIGABRT</c>, ...), or <see langword="null"/>.</summary>
    public string? Signal { get; }

    /// <summary>Gets the last lines (up to 64) the worker wrote to its standard error: a .NET crash report, a stack overflow trace.</summary>
    public IReadOnlyList<string> StandardErrorTail { get; }

    /// <summary>Gets how many workers this item has crashed, this one included.</summary>
    public int CrashCount { get; }

    /// <summary>Gets a value indicating whether the item is quarantined: it crashed workers too often and is not run again.</summary>
    public bool Quarantined { get; }

    private static string Describe(WorkerExit exit, int crashes, bool quarantined)
    {
        var how = exit.Signal is { } signal
            ? $"was ended by {signal} (exit code {exit.ExitCode})"
            : exit.ExitCode is { } code ? $"exited with code {code}" : "stopped answering";
        var message = $"Worker {exit.WorkerId} (process {exit.ProcessId}) {how} while it ran this item{(exit.Reason is null ? "" : $" ({exit.Reason})")}.";
        var times = crashes == 1 ? "one worker" : $"{crashes} workers";
        if (quarantined)
        {
            message += $" The item has crashed {times} and is quarantined: it will not run again (ProcessStrategyOptions.QuarantineAfterCrashes).";
        }
        else if (crashes > 1)
        {
            message += $" The item has crashed {times}.";
        }

        if (exit.StandardErrorTail.Count > 0)
        {
            // A .NET crash report starts with its headline ("Process terminated. ...", "Stack overflow."); the stack follows.
            const int Shown = 6;
            var more = exit.StandardErrorTail.Count > Shown ? $"{Environment.NewLine}  ... ({exit.StandardErrorTail.Count - Shown} more lines in StandardErrorTail)" : string.Empty;
            message += $" Its standard error ended with:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", exit.StandardErrorTail.Take(Shown))}{more}";
        }

        return message;
    }
}

/// <summary>How a worker ended, as far as the parent can tell.</summary>
internal sealed record WorkerExit(int WorkerId, int ProcessId, int? ExitCode, string? Signal, IReadOnlyList<string> StandardErrorTail, string? Reason);
