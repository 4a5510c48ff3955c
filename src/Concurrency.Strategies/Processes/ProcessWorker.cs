using System.Globalization;
using System.IO.Pipes;
using Concurrency.Strategies.Processes.Protocol;
using Concurrency.Strategies.Processes.Worker;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// The worker side of the process strategy, for apps that start their own workers through
/// <see cref="ProcessStrategyOptions.WorkerHost"/> (a single-file app can be its own worker host): call
/// <see cref="RunAsync"/> from <c>Main</c> when the command line carries the worker arguments.
/// </summary>
/// <example>
/// <code>
/// if (ProcessWorker.IsWorkerCommandLine(args)) return await ProcessWorker.RunAsync(args);
/// // ... and in the app: options.WorkerHost = new WorkerHostCommand { FileName = Environment.ProcessPath! };
/// </code>
/// </example>
public static class ProcessWorker
{
    /// <summary>Returns whether <paramref name="args"/> holds the arguments the process strategy gives a worker (<c>--pipe</c>, or <c>--in</c> and <c>--out</c>).</summary>
    /// <param name="args">The command line.</param>
    /// <returns><see langword="true"/> for a worker's command line.</returns>
    public static bool IsWorkerCommandLine(IReadOnlyList<string> args) => Parse(args) is not null;

    /// <summary>
    /// Connects to the app's pipe named by <c>--pipe</c> (or uses the anonymous pipe handles of <c>--in</c> and
    /// <c>--out</c>; other arguments are ignored) and runs the worker loop until the app sends a shutdown or its pipe
    /// closes; when the app dies, the worker exits at once, even during an item.
    /// </summary>
    /// <param name="args">The command line, with <c>--pipe &lt;name&gt;</c> (or <c>--in &lt;handle&gt; --out &lt;handle&gt;</c>) and optionally <c>--max-frame &lt;bytes&gt;</c>.</param>
    /// <returns>The process exit code: 0 after a shutdown, 2 for a bad command line, 3 when the work could not start, 4 for a protocol error, 5 when the app's pipe is gone.</returns>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (Parse(args) is not { } arguments)
        {
            await Console.Error.WriteLineAsync("Usage: <worker host> [app arguments] --pipe <name> [--max-frame <bytes>]").ConfigureAwait(false);
            return 2;
        }

        WorkerLoop.Prewarm();
        if (arguments.Pipe is { } name)
        {
            using var pipe = new NamedPipeClientStream(".", name, PipeDirection.InOut, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
            try
            {
                await pipe.ConnectAsync(ConnectTimeoutMilliseconds).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                await Console.Error.WriteLineAsync($"The worker could not connect to the app's pipe '{name}' within {ConnectTimeoutMilliseconds} ms; the app is gone.").ConfigureAwait(false);
                return 5;
            }

            return await WorkerLoop.RunAsync(pipe, pipe, arguments.MaxFrameBytes, onParentGone: static () => Environment.Exit(0)).ConfigureAwait(false);
        }

        using var fromParent = new AnonymousPipeClientStream(PipeDirection.In, arguments.In!);
        using var toParent = new AnonymousPipeClientStream(PipeDirection.Out, arguments.Out!);
        return await WorkerLoop.RunAsync(fromParent, toParent, arguments.MaxFrameBytes, onParentGone: static () => Environment.Exit(0)).ConfigureAwait(false);
    }

    private const int ConnectTimeoutMilliseconds = 30_000;

    private static (string? Pipe, string? In, string? Out, int MaxFrameBytes)? Parse(IReadOnlyList<string> args)
    {
        string? pipe = null, input = null, output = null;
        var maxFrame = FrameFormat.DefaultMaxPayloadBytes;
        for (var i = 0; i + 1 < args.Count; i++)
        {
            switch (args[i])
            {
                case "--pipe":
                    pipe = args[++i];
                    break;
                case "--in":
                    input = args[++i];
                    break;
                case "--out":
                    output = args[++i];
                    break;
                case "--max-frame" when int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed > 0:
                    maxFrame = parsed;
                    i++;
                    break;
            }
        }

        return pipe is not null ? (pipe, null, null, maxFrame)
            : input is null || output is null ? null : (null, input, output, maxFrame);
    }
}
