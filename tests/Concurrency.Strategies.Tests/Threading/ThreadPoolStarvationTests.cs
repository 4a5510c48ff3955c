using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.Threading;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Threading;

/// <summary>Runs alone: another test that blocks pool threads would delay the timer and blame this strategy.</summary>
[Collection(nameof(IsolatedTestGroup))]
public sealed class ThreadPoolStarvationTests
{
    [Fact]
    public async Task RunAsync_64BlockingItems_DoNotStarveTheThreadPool()
    {
        const int Blocking = 64;
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = Blocking });
        using var release = new ManualResetEventSlim();
        var blocked = 0;
        var allBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var onPoolThread = 0;

        var run = strategy.ForEachAsync(Enumerable.Range(0, Blocking), (_, ct) =>
        {
            if (Thread.CurrentThread.IsThreadPoolThread)
            {
                Interlocked.Increment(ref onPoolThread);
            }

            if (Interlocked.Increment(ref blocked) == Blocking)
            {
                allBlocked.TrySetResult();
            }

            release.Wait(HangGuard, ct).Should().BeTrue();
        });
        await allBlocked.Task.WaitAsync(HangGuard);

        // With 64 blocked pool threads on a 2-core machine the pool would need seconds of thread injection before
        // this timer callback could run; on dedicated threads it fires at once.
        var fired = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = TimeProvider.System.GetTimestamp();
        using var timer = new Timer(_ => fired.TrySetResult(TimeProvider.System.GetElapsedTime(started)), null, TimeSpan.FromMilliseconds(50), Timeout.InfiniteTimeSpan);
        var firedAfter = await fired.Task.WaitAsync(HangGuard);
        release.Set();
        await run;

        onPoolThread.Should().Be(0, "work runs on dedicated threads, never on thread-pool threads");
        firedAfter.Should().BeLessThan(TimeSpan.FromSeconds(1), "the pool is free while 64 items block");
    }
}
