namespace Concurrency.Strategies.Demo;

/// <summary>
/// The sieve of Eratosthenes: a second, independent algorithm, so the prime counts are checked against something
/// other than the code under test (a wrong <see cref="TrialDivision"/> would agree with itself).
/// </summary>
internal sealed class PrimeSieve
{
    private readonly bool[] _composite;

    public PrimeSieve(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        _composite = new bool[limit];
        for (long p = 2; p * p < limit; p++)
        {
            if (_composite[p])
            {
                continue;
            }

            for (var multiple = p * p; multiple < limit; multiple += p)
            {
                _composite[multiple] = true;
            }
        }
    }

    public int CountPrimes(PrimeRange range)
    {
        var count = 0;
        for (var n = Math.Max(range.Start, 2); n < range.End; n++)
        {
            if (!_composite[n])
            {
                count++;
            }
        }

        return count;
    }
}
