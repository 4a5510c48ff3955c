using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Tests.Contract;

/// <summary><c>async x =&gt; ...</c> binds to the one-parameter (synchronous) overloads; it must be refused at the call.</summary>
public sealed class AsyncLambdaMisuseTests
{
    [Fact]
    public async Task RunAsync_AsyncLambdaWithOneParameter_ThrowsAtTheCallWithTheFix()
    {
        await using var strategy = new ThreadStrategy();

        var act = () => strategy.RunAsync(new[] { 1 }, async x => { await Task.Yield(); return x; });

        var error = act.Should().ThrowExactly<ArgumentException>().Which;
        error.ParamName.Should().Be("work");
        error.Message.Should().Contain("returns Task`1").And.Contain("(item, cancellationToken) =>");
    }

    [Fact]
    public async Task MapAsync_LambdaReturningValueTask_ThrowsAtTheCall()
    {
        await using var strategy = new ThreadStrategy();

        var act = () => strategy.MapAsync(new[] { 1 }, x => ValueTask.FromResult(x));

        act.Should().ThrowExactly<ArgumentException>().Which.Message.Should().Contain("returns ValueTask`1");
    }

    [Fact]
    public async Task ForEachAsync_AsyncVoidLambda_ThrowsAtTheCallInsteadOfRunningUnawaited()
    {
        await using var strategy = new ThreadStrategy();
        var ran = 0;

        Action act = () => _ = strategy.ForEachAsync(new[] { 1, 2, 3 }, async x => { await Task.Yield(); Interlocked.Increment(ref ran); });

        act.Should().ThrowExactly<ArgumentException>().Which.Message.Should().Contain("async void");
        ran.Should().Be(0);
    }

    [Fact]
    public async Task InvokeAsync_AsyncLambdaWithOneParameter_ThrowsAtTheCall()
    {
        await using var strategy = new ThreadStrategy();

        Action act = () => _ = strategy.InvokeAsync(1, async x => { await Task.Yield(); return x; });

        act.Should().ThrowExactly<ArgumentException>().Which.ParamName.Should().Be("work");
    }
}
