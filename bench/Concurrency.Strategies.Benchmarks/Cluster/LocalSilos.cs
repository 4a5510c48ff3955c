using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Concurrency.Strategies.LocalCluster;

/// <summary>
/// A local Orleans cluster of silo processes (samples/Concurrency.Strategies.Silo, localhost clustering, silo 0 the
/// primary) on free ports. Used by the cluster bench and, linked, by the reliability suite, which kills and stops
/// silos. Disposal closes each silo's stdin (it stops), and kills, by process id, a silo still up after 15 s.
/// </summary>
internal sealed class LocalSilos : IAsyncDisposable
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(15);

    private readonly List<Process> _silos;

    private LocalSilos(List<Process> silos, int gatewayPortBase)
    {
        _silos = silos;
        GatewayPorts = Enumerable.Range(gatewayPortBase, silos.Count).ToArray();
    }

    /// <summary>Gets the silo processes, silo 0 (the primary, which keeps the membership) first.</summary>
    public IReadOnlyList<Process> Processes => _silos;

    /// <summary>Gets the gateway port of each silo, for <c>UseLocalhostClustering(gatewayPorts)</c> on the client.</summary>
    public int[] GatewayPorts { get; }

    /// <summary>Starts <paramref name="count"/> silos and returns when each has said it is ready.</summary>
    public static async Task<LocalSilos> StartAsync(int count, Action<string>? log = null)
    {
        var dll = FindSilo();
        var (siloBase, gatewayBase) = FreePorts(count);
        var silos = new List<Process>();
        try
        {
            // The primary first: the others join it.
            silos.Add(await StartSiloAsync(dll, 0, siloBase, gatewayBase, log));
            silos.AddRange(await Task.WhenAll(Enumerable.Range(1, count - 1).Select(i => StartSiloAsync(dll, i, siloBase, gatewayBase, log))));
            return new LocalSilos(silos, gatewayBase);
        }
        catch
        {
            await StopAsync(silos, log);
            throw;
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(_silos, log: null));

    private static string FindSilo()
    {
        // The configuration this code was built in (bin/<Configuration>/...), so a Debug test run finds the Debug silo.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var relative = Path.Combine("samples", "Concurrency.Strategies.Silo", "bin", configuration, "net10.0", "Concurrency.Strategies.Silo.dll");
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"The silo app ({relative}) is not built: run dotnet build Concurrency.Strategies.sln -c {configuration} first.");
    }

    /// <summary>A silo port base and a gateway port base with <paramref name="count"/> free ports each, on loopback.</summary>
    private static (int Silo, int Gateway) FreePorts(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var siloBase = Random.Shared.Next(20_000, 40_000);
            var gatewayBase = siloBase + 20_000;
            if (Enumerable.Range(siloBase, count).Concat(Enumerable.Range(gatewayBase, count)).All(IsFree))
            {
                return (siloBase, gatewayBase);
            }
        }

        throw new InvalidOperationException("No free range of ports on 127.0.0.1 was found for the silos.");

        static bool IsFree(int port)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }
    }

    private static async Task<Process> StartSiloAsync(string dll, int instance, int siloBase, int gatewayBase, Action<string>? log)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--instance", Text(instance), "--silo-port", Text(siloBase), "--gateway-port", Text(gatewayBase), "--exit-on-stdin-close" })
        {
            start.ArgumentList.Add(arg);
        }

        var silo = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        silo.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                log?.Invoke($"silo {instance} (pid {silo.Id}): {line}");
            }
        };
        silo.BeginErrorReadLine();
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await silo.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                if (line.Contains("ready", StringComparison.Ordinal))
                {
                    log?.Invoke($"{line} (pid {silo.Id})");
                    _ = silo.StandardOutput.ReadToEndAsync(CancellationToken.None);
                    return silo;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Not ready in time: killed below.
        }

        if (!silo.HasExited)
        {
            silo.Kill(entireProcessTree: true);
        }

        throw new InvalidOperationException($"Silo {instance} was not ready (exit code {(silo.HasExited ? silo.ExitCode : -1)}).");
    }

    private static async Task StopAsync(List<Process> silos, Action<string>? log)
    {
        foreach (var silo in silos)
        {
            try
            {
                silo.StandardInput.Close();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                // Already gone.
            }
        }

        foreach (var silo in silos)
        {
            using var limit = new CancellationTokenSource(StopGrace);
            try
            {
                await silo.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                // A stopped (SIGSTOP) or hung silo: ours, so kill it by its id.
                silo.Kill(entireProcessTree: true);
                log?.Invoke($"silo pid {silo.Id} did not stop within {StopGrace.TotalSeconds:0} s and was killed.");
            }
            catch (InvalidOperationException)
            {
                // Never started or already reaped.
            }

            silo.Dispose();
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
