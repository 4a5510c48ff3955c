namespace Concurrency.Strategies.Demo;

/// <summary>
/// Checks a run against the contract and the expected results: exactly one outcome per item, each at its input
/// position, none failed, every result right. A demo that only printed timings could hide a lost item.
/// </summary>
internal static class OutcomeChecker
{
    // Enough to see what went wrong without flooding the console when every item is wrong the same way.
    private const int MaxProblemsShown = 3;

    public static IReadOnlyList<string> Check<TIn, TOut>(
        IReadOnlyList<TIn> items, IReadOnlyList<ItemOutcome<TIn, TOut>> outcomes, Func<TIn, TOut> expected)
    {
        var problems = new List<string>();
        var seen = new bool[items.Count];
        foreach (var outcome in outcomes)
        {
            if (CheckOne(items, seen, outcome, expected) is { } problem)
            {
                problems.Add(problem);
            }
        }

        var missing = Array.IndexOf(seen, false);
        if (missing >= 0)
        {
            problems.Insert(0, $"{seen.Count(s => !s)} of {items.Count} items have no outcome (the first: item {missing})");
        }

        if (problems.Count > MaxProblemsShown)
        {
            var hidden = problems.Count - MaxProblemsShown;
            problems.RemoveRange(MaxProblemsShown, hidden);
            problems.Add($"... and {hidden} more");
        }

        return problems;
    }

    private static string? CheckOne<TIn, TOut>(
        IReadOnlyList<TIn> items, bool[] seen, ItemOutcome<TIn, TOut> outcome, Func<TIn, TOut> expected)
    {
        var index = outcome.Index;
        if (index < 0 || index >= items.Count)
        {
            return $"outcome with index {index}, outside 0..{items.Count - 1}";
        }

        if (seen[index])
        {
            return $"item {index} has more than one outcome";
        }

        seen[index] = true;
        if (!EqualityComparer<TIn>.Default.Equals(outcome.Item, items[(int)index]))
        {
            return $"item {index} is {outcome.Item}, but the input at {index} is {items[(int)index]}";
        }

        if (outcome.Error is { } error)
        {
            return $"item {index} failed: {error.GetType().Name}: {error.Message}";
        }

        var want = expected(outcome.Item);
        return EqualityComparer<TOut>.Default.Equals(outcome.Result, want)
            ? null
            : $"item {index} returned {outcome.Result}, expected {want}";
    }
}
