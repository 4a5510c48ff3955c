using System.IO.Compression;
using System.Runtime.CompilerServices;
using Xunit;

namespace XunitConsumer;

/// <summary>What the packed .nupkg holds, for both target frameworks (the consumers themselves only run net10.0).</summary>
public sealed class PackageContentTests
{
    [Theory]
    [InlineData("lib/net8.0/Concurrency.Strategies.dll")]
    [InlineData("lib/net8.0/Concurrency.Strategies.xml")]
    [InlineData("lib/net8.0/Concurrency.Strategies.WorkerHost.dll")]
    [InlineData("lib/net10.0/Concurrency.Strategies.dll")]
    [InlineData("lib/net10.0/Concurrency.Strategies.xml")]
    [InlineData("lib/net10.0/Concurrency.Strategies.WorkerHost.dll")]
    [InlineData("README.md")]
    public void The_package_holds(string entry)
    {
        using var package = ZipFile.OpenRead(ThePackage());

        Assert.Contains(package.Entries, e => e.FullName == entry);
    }

    private static string ThePackage()
    {
        // run.sh packs into artifacts/packages at the repository root, one version per check.
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", ".."));
        var packages = Directory.GetFiles(Path.Combine(root, "artifacts", "packages"), "Concurrency.Strategies.*.nupkg");
        return Assert.Single(packages, p => !p.EndsWith(".snupkg", StringComparison.Ordinal));
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
