using System.Diagnostics;
using System.IO.Pipes;
using System.Text.Json;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Processes.Protocol;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Processes;

/// <summary>
/// The worker host as a real child process, started the way the process strategy will start it: with this test
/// app's runtimeconfig and deps files, so the child resolves the test assembly's own static method.
/// </summary>
public sealed class WorkerHostProcessTests
{
    private static int Square(int x) => x * x;

    [Fact]
    public async Task WorkerHost_StartedWithTheAppsRuntimeConfig_RunsTheAppsStaticMethodAndExitsWhenThePipeCloses()
    {
        var baseDirectory = AppContext.BaseDirectory;
        var appName = typeof(WorkerHostProcessTests).Assembly.GetName().Name;
        using var toChild = new AnonymousPipeServerStream(PipeDirection.Out, HandleInheritability.Inheritable);
        using var fromChild = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.Inheritable);
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "exec",
            "--runtimeconfig", Path.Combine(baseDirectory, $"{appName}.runtimeconfig.json"),
            "--depsfile", Path.Combine(baseDirectory, $"{appName}.deps.json"),
            Path.Combine(baseDirectory, "Concurrency.Strategies.WorkerHost.dll"),
            "--in", toChild.GetClientHandleAsString(),
            "--out", fromChild.GetClientHandleAsString(),
        })
        {
            start.ArgumentList.Add(argument);
        }

        using var child = Process.Start(start)!;
        try
        {
            toChild.DisposeLocalCopyOfClientHandle();
            fromChild.DisposeLocalCopyOfClientHandle();
            using var writer = new FrameWriter(toChild);
            var reader = new FrameReader(fromChild);

            var hello = await reader.ReceiveAsync<HelloMessage>(FrameType.Hello);
            await writer.SendAsync(FrameType.Start, new StartMessage(
                WorkIdentity.From((Func<int, int>)Square), WorkIdentity.TypeName(typeof(int)), WorkIdentity.TypeName(typeof(int))));
            await writer.SendBatchAsync(1, 12, -3);
            var results = await reader.ReceiveResultsAsync(1, 2);
            toChild.Dispose();
            await child.WaitForExitAsync().WaitAsync(HangGuard);

            hello.ProcessId.Should().Be(child.Id, "the hello comes from the child, not from this process");
            results.Select(r => r.Value!.Value.GetInt32()).Should().Equal(144, 9);
            child.ExitCode.Should().Be(0, "a closed pipe means the parent is gone, and the worker exits");
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }
}
