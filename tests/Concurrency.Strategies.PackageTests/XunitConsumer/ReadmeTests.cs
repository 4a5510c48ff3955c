using System.Runtime.CompilerServices;
using Xunit;

namespace XunitConsumer;

/// <summary>The README's install, DI and consumer-test examples are exactly the code this check builds.</summary>
public sealed class ReadmeTests
{
    [Theory]
    [InlineData("ConsoleConsumer/Program.cs")]
    [InlineData("ConsoleConsumer/appsettings.json")]
    [InlineData("XunitConsumer/WordCounter.cs")]
    [InlineData("XunitConsumer/WordCounterTests.cs")]
    public void The_readme_shows_this_file_verbatim(string file)
    {
        var here = Path.GetDirectoryName(ThisFile())!;
        var consumers = Path.GetFullPath(Path.Combine(here, ".."));
        var readme = Normalize(File.ReadAllText(Path.Combine(consumers, "..", "..", "README.md")));
        var code = Normalize(File.ReadAllText(Path.Combine(consumers, file)));

        Assert.True(readme.Contains(code, StringComparison.Ordinal), $"README.md must contain {file} verbatim; update the README's example.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
