namespace Concurrency.Strategies.Orleans;

/// <summary>
/// This package uses the core package's internals (the run engine, work identity, the invoker), so the two must be the
/// same build. NuGet only enforces a minimum version of the dependency; this check turns a mismatch into a clear error
/// instead of a <see cref="MissingMethodException"/> in the middle of a run.
/// </summary>
internal static class CoreVersion
{
    public static void ThrowIfMismatched()
    {
        // The informational version names the build (version, prerelease label and, with SourceLink, the commit), where the
        // assembly version of every 0.1.0 prerelease is the same 0.1.0.0.
        var mine = Informational(typeof(CoreVersion).Assembly);
        var core = Informational(typeof(Internal.StrategyCore).Assembly);
        if (!string.Equals(mine, core, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"Concurrency.Strategies.Orleans {mine} runs only with the same build of Concurrency.Strategies, but this app loaded Concurrency.Strategies {core}. "
                + "Reference the same version of both packages (add an explicit PackageReference to Concurrency.Strategies with that version).");
        }
    }

    private static string Informational(System.Reflection.Assembly assembly) =>
        assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), inherit: false) is [System.Reflection.AssemblyInformationalVersionAttribute attribute, ..]
            ? attribute.InformationalVersion
            : assembly.GetName().Version?.ToString() ?? string.Empty;
}
