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
        var mine = typeof(CoreVersion).Assembly.GetName().Version;
        var core = typeof(Internal.StrategyCore).Assembly.GetName().Version;
        if (mine != core)
        {
            throw new InvalidOperationException(
                $"Concurrency.Strategies.Orleans {mine} runs only with Concurrency.Strategies {mine}, but this app loaded Concurrency.Strategies {core}. "
                + "Reference the same version of both packages (add an explicit PackageReference to Concurrency.Strategies with that version).");
        }
    }
}
