using System.Globalization;
using System.IO.Pipes;
using Concurrency.Strategies.Processes.Worker;

// Usage: Concurrency.Strategies.WorkerHost --in <pipe handle> --out <pipe handle> [--max-frame <bytes>]
// The parent passes the client ends of two anonymous pipes; stdout and stderr stay free for the work's own output.
var arguments = WorkerArguments.Parse(args);
if (arguments is null)
{
    await Console.Error.WriteLineAsync("Usage: Concurrency.Strategies.WorkerHost --in <pipe handle> --out <pipe handle> [--max-frame <bytes>]");
    return 2;
}

using var fromParent = new AnonymousPipeClientStream(PipeDirection.In, arguments.Value.In);
using var toParent = new AnonymousPipeClientStream(PipeDirection.Out, arguments.Value.Out);

// When the parent's pipe ends (the parent exited or was killed), exit at once, even if an item is still running.
return await WorkerLoop.RunAsync(fromParent, toParent, arguments.Value.MaxFrameBytes, onParentGone: static () => Environment.Exit(0));

/// <summary>The worker's command line.</summary>
internal readonly record struct WorkerArguments(string In, string Out, int MaxFrameBytes)
{
    public static WorkerArguments? Parse(string[] args)
    {
        string? input = null, output = null;
        var maxFrame = Concurrency.Strategies.Processes.Protocol.FrameFormat.DefaultMaxPayloadBytes;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--in": input = args[i + 1]; break;
                case "--out": output = args[i + 1]; break;
                case "--max-frame": maxFrame = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }

        return input is null || output is null ? null : new WorkerArguments(input, output, maxFrame);
    }
}
