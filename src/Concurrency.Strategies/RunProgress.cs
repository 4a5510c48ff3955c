namespace Concurrency.Strategies;

/// <summary>A snapshot of a run's progress, reported through <see cref="RunOptions.Progress"/>.</summary>
/// <param name="Completed">Outcomes delivered so far, failed ones included.</param>
/// <param name="Failed">Outcomes delivered so far that hold an error.</param>
/// <param name="InFlight">Items running at the moment of the report.</param>
/// <param name="Total">The number of items in the run, when known (a collection source or <see cref="RunOptions.TotalCount"/>).</param>
/// <param name="Elapsed">Time since the run started.</param>
/// <param name="EstimatedRemaining">Estimated time to finish, when <paramref name="Total"/> is known and at least one item completed.</param>
public readonly record struct RunProgress(
    long Completed, long Failed, int InFlight, long? Total, TimeSpan Elapsed, TimeSpan? EstimatedRemaining);
