using System.Collections.ObjectModel;
using Concurrency.Strategies.Processes.Protocol;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// The work threw in a worker process. The original exception cannot cross the process boundary, so this one
/// carries its type's full name (<see cref="RemoteType"/>), its message, its stack trace in the worker
/// (<see cref="RemoteStackTrace"/>) and its inner exceptions, as <see cref="RemoteWorkException"/>s too.
/// </summary>
public sealed class RemoteWorkException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="RemoteWorkException"/> class.</summary>
    public RemoteWorkException()
        : this("The work failed in a worker process.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RemoteWorkException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public RemoteWorkException(string message)
        : this(message, innerException: null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RemoteWorkException"/> class with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public RemoteWorkException(string message, Exception? innerException)
        : base(message, innerException)
    {
        RemoteType = typeof(Exception).FullName!;
        RemoteMessage = message;
        InnerRemoteExceptions = innerException is RemoteWorkException remote ? [remote] : [];
    }

    private RemoteWorkException(RemoteError error, IReadOnlyList<RemoteWorkException> inner)
        : base($"{error.Type}: {error.Message}", inner.Count > 0 ? inner[0] : null)
    {
        RemoteType = error.Type;
        RemoteMessage = error.Message;
        RemoteStackTrace = error.StackTrace;
        InnerRemoteExceptions = new ReadOnlyCollection<RemoteWorkException>(inner.ToArray());
    }

    /// <summary>Gets the full name of the exception type the work threw, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType { get; }

    /// <summary>Gets the original exception's own message.</summary>
    public string RemoteMessage { get; }

    /// <summary>Gets the original exception's stack trace in the worker process, if it had one.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>Gets the original exception's inner exceptions (all of them for an <see cref="AggregateException"/>).</summary>
    public IReadOnlyList<RemoteWorkException> InnerRemoteExceptions { get; }

    /// <inheritdoc/>
    public override string? StackTrace =>
        RemoteStackTrace is null ? base.StackTrace : $"{RemoteStackTrace}{Environment.NewLine}   --- end of stack trace in the worker process ---{Environment.NewLine}{base.StackTrace}";

    internal static RemoteWorkException From(RemoteError error) =>
        new(error, error.Inner.Select(From).ToArray());
}
