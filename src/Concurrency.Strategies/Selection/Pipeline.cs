using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Concurrency.Strategies.Selection;

/// <summary>One stage of a <see cref="Pipeline"/>: the work, the strategy that runs it, and the stage's run options.</summary>
/// <typeparam name="TIn">What the stage takes.</typeparam>
/// <typeparam name="TOut">What it gives the next stage.</typeparam>
/// <param name="Strategy">The strategy for this stage (for example the async strategy for I/O, threads or processes for CPU work).</param>
/// <param name="Work">The stage's work; for the process strategy a static method or a lambda that captures nothing.</param>
/// <param name="Options">The stage's run options (concurrency, retries, timeout), or <see langword="null"/>.</param>
public sealed record PipelineStage<TIn, TOut>(IExecutionStrategy Strategy, Func<TIn, CancellationToken, ValueTask<TOut>> Work, RunOptions? Options = null);

/// <summary>What became of one input item of a pipeline: the last stage's result, or the error of the stage where it failed.</summary>
/// <typeparam name="TIn">The input item type.</typeparam>
/// <typeparam name="TOut">The last stage's result type.</typeparam>
/// <param name="Index">The item's position in the pipeline's input.</param>
/// <param name="Item">The input item.</param>
/// <param name="Result">The last stage's result, when every stage succeeded.</param>
/// <param name="Error">The error, when a stage failed.</param>
/// <param name="FailedStage">The 1-based number of the stage that failed, or 0.</param>
public readonly record struct PipelineOutcome<TIn, TOut>(long Index, TIn Item, TOut? Result, Exception? Error, int FailedStage)
{
    /// <summary>Gets a value indicating whether every stage succeeded.</summary>
    public bool Succeeded => Error is null;
}

/// <summary>
/// Runs items through stages, each on its own strategy, streaming between them: a mixed workload (download, then
/// resize) keeps its I/O in flight on the async strategy while the CPU stage keeps the cores busy on threads or
/// processes. Every input item yields exactly one <see cref="PipelineOutcome{TIn, TOut}"/>: the last stage's result, or
/// the first failure. Each stage pulls lazily within its own window, and failures wait in a bounded buffer, so
/// memory stays bounded; cancellation or disposal of the enumeration stops every stage.
/// </summary>
public static class Pipeline
{
    /// <summary>How many outcomes wait for the caller at most before the stages are held back.</summary>
    private const int OutputBuffer = 1_024;

    /// <summary>Runs every item through <paramref name="first"/>, then its result through <paramref name="second"/>.</summary>
    /// <typeparam name="TIn">The input item type.</typeparam>
    /// <typeparam name="TMid">What the first stage gives the second.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="items">The input items, pulled lazily.</param>
    /// <param name="first">The first stage.</param>
    /// <param name="second">The second stage.</param>
    /// <param name="cancellationToken">Cancels every stage.</param>
    /// <returns>One outcome per input item, in completion order.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IAsyncEnumerable<PipelineOutcome<TIn, TOut>> RunAsync<TIn, TMid, TOut>(
        IAsyncEnumerable<TIn> items,
        PipelineStage<TIn, TMid> first,
        PipelineStage<TMid, TOut> second,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return RunCoreAsync(items, first, second, cancellationToken);
    }

    /// <summary>Runs every item through three stages (for example download, resize, save).</summary>
    /// <typeparam name="TIn">The input item type.</typeparam>
    /// <typeparam name="TA">What the first stage gives the second.</typeparam>
    /// <typeparam name="TB">What the second stage gives the third.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="items">The input items, pulled lazily.</param>
    /// <param name="first">The first stage.</param>
    /// <param name="second">The second stage.</param>
    /// <param name="third">The third stage.</param>
    /// <param name="cancellationToken">Cancels every stage.</param>
    /// <returns>One outcome per input item, in completion order.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static IAsyncEnumerable<PipelineOutcome<TIn, TOut>> RunAsync<TIn, TA, TB, TOut>(
        IAsyncEnumerable<TIn> items,
        PipelineStage<TIn, TA> first,
        PipelineStage<TA, TB> second,
        PipelineStage<TB, TOut> third,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(third);

        // The first two stages as one: their outcome's Result is what the third stage takes.
        return RunThirdAsync(RunAsync(items, first, second, cancellationToken), third, cancellationToken);
    }

    private static async IAsyncEnumerable<PipelineOutcome<TIn, TOut>> RunThirdAsync<TIn, TB, TOut>(
        IAsyncEnumerable<PipelineOutcome<TIn, TB>> firstTwo,
        PipelineStage<TB, TOut> third,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = Channel.CreateBounded<PipelineOutcome<TIn, TOut>>(OutputBuffer);
        var carried = new ConcurrentDictionary<long, (long Index, TIn Item)>();
        await foreach (var outcome in RunStageAsync(firstTwo, third, carried, failures, stageNumber: 3, cancellationToken).ConfigureAwait(false))
        {
            yield return outcome;
        }
    }

    private static async IAsyncEnumerable<PipelineOutcome<TIn, TOut>> RunCoreAsync<TIn, TMid, TOut>(
        IAsyncEnumerable<TIn> items,
        PipelineStage<TIn, TMid> first,
        PipelineStage<TMid, TOut> second,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Stage 1's outcomes, as if they came from a pipeline of one stage.
        var firstOutcomes = Map(first.Strategy.RunAsync(items, first.Work, first.Options, cancellationToken));
        var failures = Channel.CreateBounded<PipelineOutcome<TIn, TOut>>(OutputBuffer);
        var carried = new ConcurrentDictionary<long, (long Index, TIn Item)>();
        await foreach (var outcome in RunStageAsync(firstOutcomes, second, carried, failures, stageNumber: 2, cancellationToken).ConfigureAwait(false))
        {
            yield return outcome;
        }

        static async IAsyncEnumerable<PipelineOutcome<TIn, TMid>> Map(IAsyncEnumerable<ItemOutcome<TIn, TMid>> outcomes)
        {
            await foreach (var outcome in outcomes.ConfigureAwait(false))
            {
                yield return new(outcome.Index, outcome.Item, outcome.Result, outcome.Error, outcome.Succeeded ? 0 : 1);
            }
        }
    }

    /// <summary>
    /// Runs the successes of <paramref name="previous"/> through <paramref name="stage"/>; the failures go straight to
    /// the output. The stage's input is an iterator over the previous outcomes that records, for each position it
    /// yields, the original index and item, so each of the stage's outcomes is traced back to its input item.
    /// </summary>
    private static async IAsyncEnumerable<PipelineOutcome<TIn, TOut>> RunStageAsync<TIn, TMid, TOut>(
        IAsyncEnumerable<PipelineOutcome<TIn, TMid>> previous,
        PipelineStage<TMid, TOut> stage,
        ConcurrentDictionary<long, (long Index, TIn Item)> carried,
        Channel<PipelineOutcome<TIn, TOut>> output,
        int stageNumber,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pump = PumpAsync(previous, stage, carried, output, stageNumber, stop.Token);
        try
        {
            await foreach (var outcome in output.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                yield return outcome;
            }

            await pump.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await pump.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The caller stopped early or cancelled: the stages are stopped and waited for.
            }
        }
    }

    private static async Task PumpAsync<TIn, TMid, TOut>(
        IAsyncEnumerable<PipelineOutcome<TIn, TMid>> previous,
        PipelineStage<TMid, TOut> stage,
        ConcurrentDictionary<long, (long Index, TIn Item)> carried,
        Channel<PipelineOutcome<TIn, TOut>> output,
        int stageNumber,
        CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            var input = Successes(previous, carried, output, cancellationToken);
            await foreach (var outcome in stage.Strategy.RunAsync(input, stage.Work, stage.Options, cancellationToken).ConfigureAwait(false))
            {
                if (!carried.TryRemove(outcome.Index, out var origin))
                {
                    throw new InvalidOperationException($"Pipeline stage {stageNumber} produced an outcome for position {outcome.Index}, which it was never given: the strategy broke its contract.");
                }

                await output.Writer.WriteAsync(
                    new PipelineOutcome<TIn, TOut>(origin.Index, origin.Item, outcome.Result, outcome.Error, outcome.Succeeded ? 0 : stageNumber),
                    cancellationToken).ConfigureAwait(false);
            }

            output.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            output.Writer.TryComplete(ex);
            throw;
        }
    }

    /// <summary>The previous stage's results, in the order they come; its failures are written to the output instead.</summary>
    private static async IAsyncEnumerable<TMid> Successes<TIn, TMid, TOut>(
        IAsyncEnumerable<PipelineOutcome<TIn, TMid>> previous,
        ConcurrentDictionary<long, (long Index, TIn Item)> carried,
        Channel<PipelineOutcome<TIn, TOut>> output,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long position = 0;
        await foreach (var outcome in previous.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!outcome.Succeeded)
            {
                await output.Writer.WriteAsync(new(outcome.Index, outcome.Item, default, outcome.Error, outcome.FailedStage), cancellationToken).ConfigureAwait(false);
                continue;
            }

            carried[position++] = (outcome.Index, outcome.Item);
            yield return outcome.Result!;
        }
    }
}
