namespace Concurrency.Strategies.Demo;

/// <summary>
/// Times one run, serial or through a strategy, then checks its outcomes. The clock stops before the checks, so
/// checking costs nothing in the table.
/// </summary>
/// <param name="time">The clock, from DI, as the library uses it.</param>
internal sealed class Measurer(TimeProvider time)
{
    /// <summary>Runs synchronous work through a strategy (the library adapts it; on the async strategy it blocks a pool thread).</summary>
    public Task<Measurement> StrategyAsync<TIn, TOut>(
        IExecutionStrategy strategy, RunOptions? options, string work, IReadOnlyList<TIn> items,
        Func<TIn, TOut> run, Func<TIn, TOut> expected) =>
        StrategyCoreAsync(strategy, options, work, items, subset => strategy.RunAsync(subset, run, options), expected);

    /// <summary>Runs asynchronous work through a strategy.</summary>
    public Task<Measurement> StrategyAsync<TIn, TOut>(
        IExecutionStrategy strategy, RunOptions? options, string work, IReadOnlyList<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> run, Func<TIn, TOut> expected) =>
        StrategyCoreAsync(strategy, options, work, items, subset => strategy.RunAsync(subset, run, options), expected);

    /// <summary>Runs synchronous work one item at a time on this thread: the baseline.</summary>
    public Task<Measurement> SerialAsync<TIn, TOut>(
        string work, IReadOnlyList<TIn> items, Func<TIn, TOut> run, Func<TIn, TOut> expected) =>
        SerialAsync(work, items, (item, _) => ValueTask.FromResult(run(item)), expected);

    /// <summary>Awaits asynchronous work one item at a time: the baseline.</summary>
    public async Task<Measurement> SerialAsync<TIn, TOut>(
        string work, IReadOnlyList<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> run, Func<TIn, TOut> expected)
    {
        // One untimed item first, as for the strategies, so neither side pays for JIT compilation in the table.
        await run(items[0], CancellationToken.None);

        var outcomes = new List<ItemOutcome<TIn, TOut>>(items.Count);
        var started = time.GetTimestamp();
        for (var index = 0; index < items.Count; index++)
        {
            outcomes.Add(await RunOneAsync(index, items[index], run));
        }

        var wall = time.GetElapsedTime(started);
        var problems = OutcomeChecker.Check(items, outcomes, expected);
        return new Measurement("serial", work, 1, items.Count, wall, CountFailures(outcomes), problems);
    }

    private async Task<Measurement> StrategyCoreAsync<TIn, TOut>(
        IExecutionStrategy strategy, RunOptions? options, string work, IReadOnlyList<TIn> items,
        Func<IReadOnlyList<TIn>, IAsyncEnumerable<ItemOutcome<TIn, TOut>>> start, Func<TIn, TOut> expected)
    {
        // One untimed item first: each TIn/TOut pair is its own generic instantiation, compiled on first use.
        await foreach (var _ in start([items[0]]))
        {
        }

        var outcomes = new List<ItemOutcome<TIn, TOut>>(items.Count);
        var started = time.GetTimestamp();
        await foreach (var outcome in start(items))
        {
            outcomes.Add(outcome);
        }

        var wall = time.GetElapsedTime(started);
        var problems = OutcomeChecker.Check(items, outcomes, expected);
        var concurrency = options?.MaxConcurrency ?? strategy.MaxConcurrency;
        return new Measurement(strategy.GetType().Name, work, concurrency, items.Count, wall, CountFailures(outcomes), problems);
    }

    // The baseline keeps the strategies' rule: a failed item becomes an outcome, it does not end the run.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1031", Justification = "Any exception of the work is the item's outcome, as in every strategy.")]
    private async ValueTask<ItemOutcome<TIn, TOut>> RunOneAsync<TIn, TOut>(
        int index, TIn item, Func<TIn, CancellationToken, ValueTask<TOut>> run)
    {
        var started = time.GetTimestamp();
        try
        {
            var result = await run(item, CancellationToken.None);
            return new ItemOutcome<TIn, TOut>(index, item, result, null, time.GetElapsedTime(started), 1);
        }
        catch (Exception ex)
        {
            return new ItemOutcome<TIn, TOut>(index, item, default, ex, time.GetElapsedTime(started), 1);
        }
    }

    private static int CountFailures<TIn, TOut>(List<ItemOutcome<TIn, TOut>> outcomes) =>
        outcomes.Count(outcome => !outcome.Succeeded);
}
