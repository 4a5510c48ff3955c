using System.Runtime.CompilerServices;
using Concurrency.Strategies.Scenarios.Work;

namespace Concurrency.Strategies.Scenarios;

/// <summary>Runs a scenario's work on a strategy with its retries and progress, as <see cref="Outcome{T}"/>s.</summary>
internal static class StrategyRuns
{
    /// <summary>How long one HTTP attempt may take before the resilience pipeline abandons and retries it.</summary>
    internal static TimeSpan AttemptTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Runs blocking work on a strategy at a concurrency, with retries and progress.</summary>
    internal static async IAsyncEnumerable<Outcome<TOut>> Run<TIn, TOut>(
        IExecutionStrategy strategy, IReadOnlyList<TIn> items, Func<TIn, CancellationToken, TOut> work, int concurrency, RetryCounter? retries, IProgress<RunProgress>? progress,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = new RunOptions { MaxConcurrency = concurrency, Resilience = retries?.CreatePipeline(AttemptTimeout), Progress = progress };
        await foreach (var outcome in strategy.RunAsync(items, work, options, cancellationToken))
        {
            yield return new Outcome<TOut>(outcome.Index, outcome.Result, outcome.Error);
        }
    }

    /// <summary>Runs async work on a strategy at its own (or the selector's) concurrency, with retries and progress.</summary>
    internal static async IAsyncEnumerable<Outcome<TOut>> RunAsync<TIn, TOut>(
        IExecutionStrategy strategy, IReadOnlyList<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> work, RetryCounter? retries, IProgress<RunProgress>? progress,
        [EnumeratorCancellation] CancellationToken cancellationToken, int? concurrency = null)
    {
        var options = new RunOptions { MaxConcurrency = concurrency, Resilience = retries?.CreatePipeline(AttemptTimeout), Progress = progress };
        await foreach (var outcome in strategy.RunAsync(items, work, options, cancellationToken))
        {
            yield return new Outcome<TOut>(outcome.Index, outcome.Result, outcome.Error);
        }
    }
}
