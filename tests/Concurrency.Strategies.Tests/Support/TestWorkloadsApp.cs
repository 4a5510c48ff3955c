using System.Diagnostics;
using System.Reflection;
using Concurrency.Strategies.Processes;

namespace Concurrency.Strategies.Tests.Support;

/// <summary>
/// Starts the TestWorkloads app (pool owner, fake workers, the stream command) with the calling test app's
/// runtimeconfig and deps files, so it finds the library and the worker host the tests were built with. Shared by the
/// main suite and the reliability suite (linked, not copied).
/// </summary>
internal static class TestWorkloadsApp
{
    /// <summary>The dotnet host that runs this process.</summary>
    public static string DotnetHost { get; } =
        Path.Combine(Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")), "dotnet");

    /// <summary>The arguments of <c>dotnet exec</c> that run TestWorkloads as the test app <paramref name="testAssembly"/>, then <paramref name="mode"/>.</summary>
    public static IEnumerable<string> Arguments(Assembly testAssembly, params string[] mode)
    {
        ArgumentNullException.ThrowIfNull(testAssembly);
        var testApp = testAssembly.GetName().Name;
        return new[]
        {
            "exec",
            "--runtimeconfig", Path.Combine(AppContext.BaseDirectory, $"{testApp}.runtimeconfig.json"),
            "--depsfile", Path.Combine(AppContext.BaseDirectory, $"{testApp}.deps.json"),
            Path.Combine(AppContext.BaseDirectory, "Concurrency.Strategies.TestWorkloads.dll"),
        }.Concat(mode);
    }

    /// <summary>Starts TestWorkloads in <paramref name="mode"/> with its output redirected.</summary>
    public static Process Start(Assembly testAssembly, params string[] mode)
    {
        var start = new ProcessStartInfo(DotnetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in Arguments(testAssembly, mode))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{DotnetHost} could not be started.");
    }

    /// <summary>TestWorkloads as a process strategy's worker host, in <paramref name="mode"/>.</summary>
    public static WorkerHostCommand WorkerHost(Assembly testAssembly, params string[] mode)
    {
        var host = new WorkerHostCommand { FileName = DotnetHost };
        foreach (var argument in Arguments(testAssembly, mode))
        {
            host.Arguments.Add(argument);
        }

        return host;
    }
}
