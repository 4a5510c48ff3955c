using System.Diagnostics;
using System.Globalization;

namespace Concurrency.Strategies.Scenarios;

/// <summary>One outcome, whatever produced it (a strategy, a pipeline, a serial loop).</summary>
/// <typeparam name="T">The result type.</typeparam>
/// <param name="Index">The item's position in the input.</param>
/// <param name="Result">The result when it succeeded.</param>
/// <param name="Error">The error when it failed.</param>
public readonly record struct Outcome<T>(long Index, T? Result, Exception? Error);

/// <summary>What a run is, for its row in the table.</summary>
/// <param name="Scenario">The scenario's name.</param>
/// <param name="Strategy">What runs it.</param>
/// <param name="Variant">How the work is done.</param>
/// <param name="Concurrency">Items in flight at most, as shown.</param>
/// <param name="Items">Items it runs.</param>
/// <param name="IsGuidePick">Whether it is the guide's pick.</param>
public sealed record RunSpec(string Scenario, string Strategy, string Variant, string Concurrency, int Items, bool IsGuidePick = false)
{
    /// <summary>Gets the run's label, e.g. "AsyncStrategy ×100, async client".</summary>
    public string Label => $"{Strategy} ×{Concurrency}, {Variant}{(IsGuidePick ? " (guide's pick)" : string.Empty)}";

    /// <summary>
    /// Runs, times and verifies: the clock covers the run only; then every input index must have exactly one outcome,
    /// none may have failed, and <paramref name="check"/> must accept every result.
    /// </summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="observer">Follows the run.</param>
    /// <param name="workers">The worker processes whose CPU and memory count, or <see langword="null"/>.</param>
    /// <param name="run">Runs the items, given the retry counter and the progress sink.</param>
    /// <param name="check">Returns what is wrong with a result, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The row.</returns>
    public async Task<RunResult> MeasureAsync<T>(
        IScenarioObserver? observer,
        Func<IReadOnlyCollection<int>>? workers,
        Func<Work.RetryCounter, IProgress<RunProgress>?, CancellationToken, IAsyncEnumerable<Outcome<T>>> run,
        Func<long, T, string?> check,
        CancellationToken cancellationToken)
    {
        var progress = observer?.RunStarted(Label, Items);
        var retries = new Work.RetryCounter();
        var outcomes = new List<Outcome<T>>(Items);
        var meter = RunMeter.Start(workers);
        await foreach (var outcome in run(retries, progress, cancellationToken).WithCancellation(cancellationToken))
        {
            outcomes.Add(outcome);
        }

        var (wall, cpu, peak) = meter.Stop();
        var problems = Verify(outcomes, check);
        var result = new RunResult(
            Scenario, Strategy, Variant, Concurrency, Items, wall, cpu, peak, outcomes.Count(o => o.Error is not null), retries.Used ? retries.Retries : null, problems, IsGuidePick);
        observer?.RunFinished(result);
        return result;
    }

    /// <summary>Runs a synchronous step one item at a time on this thread, with the same retries: the baseline.</summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="items">The items.</param>
    /// <param name="work">The step.</param>
    /// <param name="resilience">The retry pipeline.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>The outcomes.</returns>
    public static async IAsyncEnumerable<Outcome<T>> SerialAsync<TIn, T>(
        IReadOnlyList<TIn> items, Func<TIn, CancellationToken, T> work, Polly.ResiliencePipeline? resilience, IProgress<RunProgress>? progress,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        var failed = 0;
        for (var i = 0; i < items.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Outcome<T> outcome;
            try
            {
                var item = items[i];
                var result = resilience is null ? work(item, cancellationToken) : resilience.Execute(static (state, token) => state.work(state.item, token), (work, item), cancellationToken);
                outcome = new Outcome<T>(i, result, null);
            }
#pragma warning disable CA1031 // The baseline keeps the strategies' rule: a failed item is an outcome.
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                failed++;
                outcome = new Outcome<T>(i, default, ex);
            }

            progress?.Report(new RunProgress(i + 1, failed, 0, items.Count, clock.Elapsed, null));
            yield return outcome;
        }
    }

    private List<string> Verify<T>(List<Outcome<T>> outcomes, Func<long, T, string?> check)
    {
        var problems = new List<string>();
        var seen = new bool[Items];
        foreach (var outcome in outcomes)
        {
            if (outcome.Index < 0 || outcome.Index >= Items)
            {
                problems.Add($"an outcome for item {outcome.Index}, which is not in the input");
                continue;
            }

            if (seen[outcome.Index])
            {
                problems.Add($"item {outcome.Index} has more than one outcome");
            }

            seen[outcome.Index] = true;
            if (outcome.Error is not null)
            {
                problems.Add($"item {outcome.Index} failed: {outcome.Error.GetType().Name}: {outcome.Error.Message}");
            }
            else if (check(outcome.Index, outcome.Result!) is { } wrong)
            {
                problems.Add($"item {outcome.Index}: {wrong}");
            }
        }

        var lost = seen.Count(s => !s);
        if (lost > 0)
        {
            problems.Add($"{lost.ToString(CultureInfo.InvariantCulture)} item(s) have no outcome (lost), first: {Array.IndexOf(seen, false)}");
        }

        return problems;
    }
}
