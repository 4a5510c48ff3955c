using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Concurrency.Strategies.Benchmarks.Scenarios;

/// <summary>
/// Runs bench/python/scenarios.py, Python's side of every scenario, one run per call so its runs interleave with the
/// .NET runs of the same round. The script times only the work (interpreter start, imports and pool start-up are
/// outside its clock) and prints one JSON object.
/// </summary>
internal sealed class PythonRunner
{
    public const string InstallHint = "apt-get update && apt-get install -y python3-aiohttp python3-requests python3-pil";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The PATH's python3 first, then Debian's, where apt puts python3-aiohttp when the PATH's is another installation.</summary>
    private static readonly string[] Interpreters = ["python3", "/usr/bin/python3"];

    private PythonRunner(string interpreter, string script, string versions)
    {
        Interpreter = interpreter;
        Script = script;
        Versions = versions;
    }

    /// <summary>Gets the interpreter that runs the script.</summary>
    public string Interpreter { get; }

    /// <summary>Gets the script's path.</summary>
    public string Script { get; }

    /// <summary>Gets what the probe reported: Python's, aiohttp's, requests' and Pillow's versions.</summary>
    public string Versions { get; }

    /// <summary>
    /// Finds an interpreter with aiohttp, requests and Pillow: <c>python3</c> on the PATH, then Debian's
    /// <c>/usr/bin/python3</c> (where the apt packages go when the PATH's python3 is another installation).
    /// </summary>
    /// <returns>The runner, or <see langword="null"/> with the reason.</returns>
    public static async Task<(PythonRunner? Runner, string Why)> FindAsync()
    {
        var script = FindScript("scenarios.py");
        if (script is null)
        {
            return (null, "bench/python/scenarios.py was not found above the current or the app directory");
        }

        var reasons = new List<string>();
        foreach (var interpreter in Interpreters)
        {
            try
            {
                var (exit, output, errors) = await RunProcessAsync(interpreter, [script, "probe"], ProbeTimeout, CancellationToken.None);
                if (exit == 0)
                {
                    using var json = JsonDocument.Parse(output);
                    var root = json.RootElement;
                    var versions = $"Python {root.GetProperty("python").GetString()}, aiohttp {root.GetProperty("aiohttp").GetString()}, " +
                        $"requests {root.GetProperty("requests").GetString()}, Pillow {root.GetProperty("pil").GetString()}";
                    return (new PythonRunner(interpreter, script, versions), string.Empty);
                }

                reasons.Add($"{interpreter}: {errors.Trim()}");
            }
            catch (Exception ex) when (ex is Win32Exception or JsonException or KeyNotFoundException or TimeoutException)
            {
                reasons.Add($"{interpreter}: {ex.Message}");
            }
        }

        return (null, string.Join("; ", reasons) + $" (install with: {InstallHint})");
    }

    /// <summary>Runs one timed run and returns its JSON; throws with the script's error output when it fails.</summary>
    public async Task<JsonElement> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (exit, output, errors) = await RunProcessAsync(Interpreter, [Script, "run", .. arguments], timeout, cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"python {string.Join(' ', arguments)} exited with {exit}: {errors.Trim()}");
        }

        using var json = JsonDocument.Parse(output);
        return json.RootElement.Clone();
    }

    private static async Task<(int Exit, string Output, string Errors)> RunProcessAsync(
        string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new Win32Exception($"{file} could not be started");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // Ours, by id: the interpreter and the pool processes it started.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} ran over {timeout.TotalSeconds:0} s and was killed");
        }

        return (process.ExitCode, await output, await errors);
    }

    /// <summary>Finds bench/python/<paramref name="fileName"/> above the current or the app directory (the process harness's script too).</summary>
    internal static string? FindScript(string fileName)
    {
        foreach (var origin in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(origin); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine(directory.FullName, "bench", "python", fileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
