using System.Diagnostics;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Tests.Threading;

public sealed class ChunkSizerTests
{
    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    [Fact]
    public void Observe_TinyItems_DoublesUpToTheCap()
    {
        var sizer = new ChunkSizer(null, 1024);
        var sizes = new List<int> { sizer.Next };
        for (var i = 0; i < 15; i++)
        {
            sizer.Observe(sizer.Next, sizer.Next); // one timestamp tick per item: far below the target
            sizes.Add(sizer.Next);
        }

        sizes.Take(12).Should().Equal(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1024);
    }

    [Fact]
    public void Observe_SlowItems_ShrinksAtOnceToOne()
    {
        var sizer = new ChunkSizer(null, 1024);
        for (var i = 0; i < 12; i++)
        {
            sizer.Observe(sizer.Next, 1);
        }

        sizer.Next.Should().Be(1024);
        sizer.Observe(1024, Ticks(TimeSpan.FromMilliseconds(5)) * 1024);

        sizer.Next.Should().Be(1);
    }

    [Fact]
    public void Observe_ItemsOfTenMicroseconds_SettlesNearTheTargetDuration()
    {
        var sizer = new ChunkSizer(null, 1024);
        for (var i = 0; i < 20; i++)
        {
            sizer.Observe(sizer.Next, Ticks(TimeSpan.FromMicroseconds(10)) * sizer.Next);
        }

        sizer.Next.Should().Be(10, "100 µs target / 10 µs per item");
    }

    [Fact]
    public void Observe_FixedSize_NeverChanges()
    {
        var sizer = new ChunkSizer(7, 7);
        sizer.Observe(7, 1);
        sizer.Observe(7, Ticks(TimeSpan.FromSeconds(1)));

        sizer.Next.Should().Be(7);
    }
}
