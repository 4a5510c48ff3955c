namespace Concurrency.Strategies.TestWorkloads;

/// <summary>The start of a fake worker: connect to the app's pipe, say a valid hello, read the Start and the first Batch.</summary>
public static class FakeWorker
{
    public static System.IO.Pipes.NamedPipeClientStream Connect(string[] args, string runtime)
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
        for (var frame = 0; frame < 2; frame++)
        {
            pipe.ReadExactly(header);
            var payload = new byte[BitConverter.ToInt32(header)];
            pipe.ReadExactly(payload);
        }

        return pipe;
    }
}
