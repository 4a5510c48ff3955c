using System.IO.Compression;
using System.Runtime.CompilerServices;
using Xunit;

namespace XunitConsumer;

/// <summary>What the packed .nupkg holds, for both target frameworks (the consumers themselves only run net10.0).</summary>
public sealed class PackageContentTests
{
    [Theory]
    [InlineData("Concurrency.Strategies", "lib/net8.0/Concurrency.Strategies.dll")]
    [InlineData("Concurrency.Strategies", "lib/net8.0/Concurrency.Strategies.xml")]
    [InlineData("Concurrency.Strategies", "lib/net8.0/Concurrency.Strategies.WorkerHost.dll")]
    [InlineData("Concurrency.Strategies", "lib/net10.0/Concurrency.Strategies.dll")]
    [InlineData("Concurrency.Strategies", "lib/net10.0/Concurrency.Strategies.xml")]
    [InlineData("Concurrency.Strategies", "lib/net10.0/Concurrency.Strategies.WorkerHost.dll")]
    [InlineData("Concurrency.Strategies", "README.md")]
    [InlineData("Concurrency.Strategies.Orleans", "lib/net8.0/Concurrency.Strategies.Orleans.dll")]
    [InlineData("Concurrency.Strategies.Orleans", "lib/net8.0/Concurrency.Strategies.Orleans.xml")]
    [InlineData("Concurrency.Strategies.Orleans", "lib/net10.0/Concurrency.Strategies.Orleans.dll")]
    [InlineData("Concurrency.Strategies.Orleans", "lib/net10.0/Concurrency.Strategies.Orleans.xml")]
    [InlineData("Concurrency.Strategies.Orleans", "README.md")]
    public void The_package_holds(string id, string entry)
    {
        using var package = ZipFile.OpenRead(ThePackage(id));

        Assert.Contains(package.Entries, e => e.FullName == entry);
    }

    [Fact]
    public void The_Orleans_package_depends_on_the_same_version_of_the_core_package()
    {
        var path = ThePackage("Concurrency.Strategies.Orleans");
        var version = Path.GetFileNameWithoutExtension(path)["Concurrency.Strategies.Orleans.".Length..];
        using var package = ZipFile.OpenRead(path);
        using var nuspec = new StreamReader(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());

        var text = nuspec.ReadToEnd();

        Assert.Contains($"<dependency id=\"Concurrency.Strategies\" version=\"{version}\"", text, StringComparison.Ordinal);
    }

    private static string ThePackage(string id)
    {
        // run.sh packs into artifacts/packages at the repository root, one version per check: <id>.<version>.nupkg,
        // where the version starts with a digit (so "Concurrency.Strategies" does not match the Orleans package).
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(ThisFile())!, "..", "..", ".."));
        var packages = Directory.GetFiles(Path.Combine(root, "artifacts", "packages"), $"{id}.*.nupkg");
        return Assert.Single(packages, p =>
            !p.EndsWith(".snupkg", StringComparison.Ordinal) && char.IsAsciiDigit(Path.GetFileName(p)[(id.Length + 1)..][0]));
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
