using System.Runtime.CompilerServices;

namespace Concurrency.Strategies.Demo;

/// <summary>The CPU-bound work: counting primes by trial division, the seed article's CPU example.</summary>
internal static class TrialDivision
{
    // Fully optimized from the first call: the serial baseline runs first and must not be timed on tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountPrimes(PrimeRange range)
    {
        var count = 0;
        for (var n = Math.Max(range.Start, 2); n < range.End; n++)
        {
            if (IsPrime(n))
            {
                count++;
            }
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsPrime(int n)
    {
        if (n % 2 == 0)
        {
            return n == 2;
        }

        for (long divisor = 3; divisor * divisor <= n; divisor += 2)
        {
            if (n % divisor == 0)
            {
                return false;
            }
        }

        return true;
    }
}
