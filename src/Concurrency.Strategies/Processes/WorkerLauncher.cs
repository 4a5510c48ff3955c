using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// Works out how to start a worker: <c>dotnet exec --runtimeconfig &lt;app&gt;.runtimeconfig.json --depsfile
/// &lt;app&gt;.deps.json Concurrency.Strategies.WorkerHost.dll</c>, so the child resolves the app's own assemblies and
/// packages, or the app's <see cref="WorkerHostCommand"/>. Resolved once per strategy, at first use.
/// </summary>
internal sealed class WorkerLauncher
{
    public const string HostAssemblyFileName = "Concurrency.Strategies.WorkerHost.dll";

    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly int _maxFrameBytes;
    private readonly KeyValuePair<string, string?>[] _environment;

    private WorkerLauncher(string fileName, IReadOnlyList<string> arguments, ProcessStrategyOptions options)
    {
        _fileName = fileName;
        _arguments = arguments;
        _maxFrameBytes = options.MaxFrameBytes;
        _environment = options.EnvironmentVariables.ToArray();
    }

    /// <summary>A readable form of the command, for logs and errors.</summary>
    public string Description => $"{_fileName} {string.Join(' ', _arguments)}";

    /// <exception cref="NotSupportedException">The app cannot start workers itself (single-file, no dotnet host, no host assembly).</exception>
    public static WorkerLauncher Create(ProcessStrategyOptions options) => Create(options, typeof(WorkerLauncher).Assembly.Location);

    /// <summary>As <see cref="Create(ProcessStrategyOptions)"/>, with the library's location given (empty in a single-file app).</summary>
    internal static WorkerLauncher Create(ProcessStrategyOptions options, string libraryLocation)
    {
        if (options.WorkerHost is { } custom)
        {
            return new WorkerLauncher(custom.FileName, custom.Arguments.ToArray(), options);
        }

        const string Fix = "Set ProcessStrategyOptions.WorkerHost to a command that starts a worker (the app itself can be one: see ProcessWorker.RunAsync), or use the ThreadStrategy.";
        if (string.IsNullOrEmpty(libraryLocation))
        {
            throw new NotSupportedException(
                "The process strategy cannot start workers from a single-file app: its assemblies have no files for a child process to load. " + Fix);
        }

        var host = FindHostAssembly(Path.GetDirectoryName(libraryLocation)!)
            ?? throw new NotSupportedException(
                $"The worker host {HostAssemblyFileName} was not found next to {libraryLocation} or in {AppContext.BaseDirectory}. "
                + "It ships in the Concurrency.Strategies package and is copied to the app's output; check that the output is complete. " + Fix);

        var dotnet = FindDotnet() ?? throw new NotSupportedException(
            $"The process strategy found no 'dotnet' host to start workers with (looked at {Environment.ProcessPath}, the runtime directory {RuntimeEnvironment.GetRuntimeDirectory()} and DOTNET_ROOT): "
            + "the app is probably self-contained. " + Fix);

        var (runtimeConfig, deps) = FindAppFiles() ?? throw new NotSupportedException(
            $"The process strategy found no runtimeconfig.json for this app in {AppContext.BaseDirectory}, so a worker cannot start with the app's runtime and dependencies. " + Fix);

        var arguments = new List<string> { "exec", "--runtimeconfig", runtimeConfig };
        if (deps is not null)
        {
            arguments.Add("--depsfile");
            arguments.Add(deps);
        }

        arguments.Add(host);
        return new WorkerLauncher(dotnet, arguments, options);
    }

    public ProcessStartInfo StartInfo(string pipeName)
    {
        var start = new ProcessStartInfo(_fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--pipe");
        start.ArgumentList.Add(pipeName);
        start.ArgumentList.Add("--max-frame");
        start.ArgumentList.Add(_maxFrameBytes.ToString(CultureInfo.InvariantCulture));

        // The worker must not inherit a debugger or diagnostics port meant for the app, nor start a TTY-bound console.
        start.Environment.Remove("DOTNET_DiagnosticPorts");
        foreach (var (name, value) in _environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    private static string? FindHostAssembly(string libraryDirectory)
    {
        foreach (var directory in new[] { libraryDirectory, AppContext.BaseDirectory })
        {
            var candidate = Path.Combine(directory, HostAssemblyFileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindDotnet()
    {
        var executable = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } processPath && string.Equals(Path.GetFileName(processPath), executable, StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
        var root = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        foreach (var candidate in new[] { Path.Combine(root, executable), Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot ? Path.Combine(dotnetRoot, executable) : null })
        {
            if (candidate is not null && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The app's runtimeconfig and deps files: the deps file the host loaded (the test project's under a test host), or the entry assembly's.</summary>
    private static (string RuntimeConfig, string? Deps)? FindAppFiles()
    {
        if (AppContext.GetData("APP_CONTEXT_DEPS_FILES") is string depsFiles)
        {
            var frameworkDeps = AppContext.GetData("FX_DEPS_FILE") as string;
            foreach (var deps in depsFiles.Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (string.Equals(deps, frameworkDeps, StringComparison.Ordinal) || !deps.EndsWith(".deps.json", StringComparison.OrdinalIgnoreCase) || !File.Exists(deps))
                {
                    continue;
                }

                var runtimeConfig = string.Concat(deps.AsSpan(0, deps.Length - ".deps.json".Length), ".runtimeconfig.json");
                if (File.Exists(runtimeConfig))
                {
                    return (runtimeConfig, deps);
                }
            }
        }

        if (System.Reflection.Assembly.GetEntryAssembly()?.Location is { Length: > 0 } entry)
        {
            var stem = Path.Combine(Path.GetDirectoryName(entry)!, Path.GetFileNameWithoutExtension(entry));
            var runtimeConfig = stem + ".runtimeconfig.json";
            if (File.Exists(runtimeConfig))
            {
                var deps = stem + ".deps.json";
                return (runtimeConfig, File.Exists(deps) ? deps : null);
            }
        }

        return null;
    }
}
