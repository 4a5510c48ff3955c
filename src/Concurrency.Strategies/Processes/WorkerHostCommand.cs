namespace Concurrency.Strategies.Processes;

/// <summary>
/// A custom command that starts a worker process, for apps that cannot start one with <c>dotnet exec</c> (for
/// example a single-file or self-contained publish). The process strategy appends <c>--pipe &lt;name&gt;
/// --max-frame &lt;bytes&gt;</c>; the program must pass its command line to <see cref="ProcessWorker.RunAsync"/>, as
/// <c>Concurrency.Strategies.WorkerHost</c> does, and be able to load the assemblies of the work.
/// </summary>
public sealed class WorkerHostCommand
{
    /// <summary>Gets or sets the program to start, e.g. <c>/usr/share/dotnet/dotnet</c> or a published worker host.</summary>
    public string FileName { get; set; } = string.Empty;

    /// <summary>Gets the arguments that come before the protocol's own, e.g. <c>exec</c>, <c>--runtimeconfig</c>, paths.</summary>
    public IList<string> Arguments { get; init; } = new List<string>();

    internal WorkerHostCommand Clone() => new() { FileName = FileName, Arguments = new List<string>(Arguments) };
}
