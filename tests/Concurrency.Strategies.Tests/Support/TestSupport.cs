namespace Concurrency.Strategies.Tests.Support;

/// <summary>Small helpers shared by the tests.</summary>
internal static class TestSupport
{
    /// <summary>Only guards against hangs; no test waits this long when the code is right.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    public static async Task<List<T>> CollectAsync<T>(this IAsyncEnumerable<T> source, CancellationToken cancellationToken = default)
    {
        var list = new List<T>();
        await foreach (var item in source.WithCancellation(cancellationToken))
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>A deterministic pseudo-random number per item, so "random" delays repeat run after run.</summary>
    public static int Hash(int x)
    {
        unchecked
        {
            var h = (uint)x * 2654435761u;
            h ^= h >> 15;
            return (int)(h & 0x7fffffff);
        }
    }

    public static async IAsyncEnumerable<int> RangeAsync(int start, int count)
    {
        for (var i = start; i < start + count; i++)
        {
            if (i % 64 == 0)
            {
                await Task.Yield();
            }

            yield return i;
        }
    }
}
