using System.Diagnostics;
using System.Text.Json;

namespace Concurrency.Strategies.ScenarioTests;

/// <summary>The demo app itself, started as a process with redirected output: exit code, plain text, JSON.</summary>
public sealed class DemoProcessTests
{
    [Fact]
    public async Task The_demo_verifies_every_scenario_writes_json_and_prints_no_escape_codes_when_redirected()
    {
        var json = Path.Combine(Path.GetTempPath(), $"demo-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, output) = await RunDemoAsync("--tiny", "--json", json);

            exit.Should().Be(0, output);
            output.Should().NotContain("\u001b[", "redirected output is plain text");
            output.Should().Contain("Verified:").And.Contain("Guide's pick:").And.Contain("Pipeline Async");
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var scenarios = document.RootElement.GetProperty("scenarios").EnumerateArray().ToList();
            scenarios.Select(s => s.GetProperty("name").GetString()).Should().Equal("download", "resize", "scrape", "mixed");
            scenarios.SelectMany(s => s.GetProperty("runs").EnumerateArray()).Should().OnlyContain(r => r.GetProperty("verified").GetBoolean());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Bad_arguments_exit_2_with_the_usage()
    {
        var (exit, output) = await RunDemoAsync("--scenario", "nope");

        exit.Should().Be(2);
        output.Should().Contain("Unknown scenario 'nope'").And.Contain("Usage:");
    }

    private static async Task<(int Exit, string Output)> RunDemoAsync(params string[] args)
    {
        var demo = Path.Combine(AppContext.BaseDirectory, "Concurrency.Strategies.Demo.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add("--runtimeconfig");
        start.ArgumentList.Add(Path.ChangeExtension(demo, ".runtimeconfig.json"));
        start.ArgumentList.Add("--depsfile");
        start.ArgumentList.Add(Path.ChangeExtension(demo, ".deps.json"));
        start.ArgumentList.Add(demo);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
