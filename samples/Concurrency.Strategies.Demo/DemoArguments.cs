namespace Concurrency.Strategies.Demo;

/// <summary>The parsed command line: <c>--quick</c> (default), <c>--full</c>, <c>--help</c>.</summary>
/// <param name="ShowHelp">Whether to print the usage and stop.</param>
/// <param name="Sizes">The workload sizes to run.</param>
/// <param name="Error">What was wrong with the command line, or <see langword="null"/>.</param>
internal sealed record DemoArguments(bool ShowHelp, DemoSizes Sizes, string? Error)
{
    public const string Usage = """
        Usage: dotnet run --project samples/Concurrency.Strategies.Demo -c Release [-- <option>]

        Runs three workloads (blocking I/O, CPU-bound, async I/O at scale) serially and through
        ThreadStrategy and AsyncStrategy, prints a table per workload and checks every outcome.

        Options:
          --quick   smaller sizes, about 15 s on 2 cores (the default)
          --full    the seed article's sizes (10,000 async I/O items), about 45 s on 2 cores
          --help    print this text

        Exit code: 0 every outcome verified, 1 a check failed, 2 bad arguments.
        """;

    public static DemoArguments Parse(IReadOnlyList<string> args)
    {
        var sizes = DemoSizes.Quick;
        foreach (var arg in args)
        {
            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    return new DemoArguments(ShowHelp: true, sizes, Error: null);
                case "--quick":
                    sizes = DemoSizes.Quick;
                    break;
                case "--full":
                    sizes = DemoSizes.Full;
                    break;
                default:
                    return new DemoArguments(ShowHelp: false, sizes, $"Unknown option '{arg}'. Use --quick, --full or --help.");
            }
        }

        return new DemoArguments(ShowHelp: false, sizes, Error: null);
    }
}
