namespace Concurrency.Strategies.TestWorkloads;

/// <summary>The start of a fake worker: connect to the app's pipe, say a valid hello, read the Start and the first Batch.</summary>
public static class FakeWorker
{
    public static System.IO.Pipes.NamedPipeClientStream Connect(string[] args, string runtime) => Connect(args, runtime, out _, out _);

    /// <summary>Connects as <see cref="Connect(string[], string)"/> and says which batch arrived and its first item's index.</summary>
    public static System.IO.Pipes.NamedPipeClientStream Connect(string[] args, string runtime, out long batchId, out long firstIndex)
    {
        ArgumentNullException.ThrowIfNull(args);
        var name = args[Array.IndexOf(args, "--pipe") + 1];
        var pipe = new System.IO.Pipes.NamedPipeClientStream(".", name, System.IO.Pipes.PipeDirection.InOut, System.IO.Pipes.PipeOptions.CurrentUserOnly);
        pipe.Connect(30_000);
        var hello = System.Text.Encoding.UTF8.GetBytes($"{{\"ProcessId\":{Environment.ProcessId},\"Runtime\":\"{runtime}\"}}");
        pipe.Write(BitConverter.GetBytes(hello.Length));
        pipe.WriteByte(1);
        pipe.Write(hello);
        var header = new byte[5];
        var payload = Array.Empty<byte>();
        for (var frame = 0; frame < 2; frame++)
        {
            pipe.ReadExactly(header);
            payload = new byte[BitConverter.ToInt32(header)];
            pipe.ReadExactly(payload);
        }

        // The second frame is the first Batch: its id (8 bytes), its count (4), then each item's index (8), length (4), value.
        batchId = payload.Length >= 8 ? BitConverter.ToInt64(payload, 0) : 0;
        firstIndex = payload.Length >= 20 ? BitConverter.ToInt64(payload, 12) : 0;
        return pipe;
    }
}
