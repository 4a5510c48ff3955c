namespace Concurrency.Strategies.Demo;

/// <summary>The numbers from <paramref name="Start"/> (inclusive) to <paramref name="End"/> (exclusive).</summary>
/// <param name="Start">The first number.</param>
/// <param name="End">One past the last number.</param>
internal readonly record struct PrimeRange(int Start, int End)
{
    public override string ToString() => $"[{Start}, {End})";
}
