using Polly;

namespace Concurrency.Strategies;

/// <summary>Options for one run. Every property is optional; <see langword="null"/> means the strategy's default.</summary>
public sealed record RunOptions
{
    /// <summary>Gets the number of items in flight at most for this run.</summary>
    /// <value>Defaults to <see langword="null"/>: the strategy's <see cref="IExecutionStrategy.MaxConcurrency"/>.</value>
    public int? MaxConcurrency { get; init; }

    /// <summary>Gets a value indicating whether outcomes are yielded in input order (through a bounded reorder buffer).</summary>
    /// <value>Defaults to <see langword="false"/>: completion order, the lowest latency.</value>
    public bool Ordered { get; init; }

    /// <summary>
    /// Gets the longest time one item may take, all attempts included. A slower item's token is cancelled
    /// and its outcome is a <see cref="TimeoutException"/>; the run goes on. Thread and async work must observe
    /// its token to stop early; the process strategy kills the worker instead.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no limit.</value>
    public TimeSpan? ItemTimeout { get; init; }

    /// <summary>Gets a Polly resilience pipeline applied around each item (retries, timeouts, ...). <see cref="ItemOutcome{TIn, TOut}.Attempts"/> counts its tries.</summary>
    /// <value>Defaults to <see langword="null"/>: each item runs once.</value>
    public ResiliencePipeline? Resilience { get; init; }

    /// <summary>
    /// Gets a sink for throttled progress reports (at most one per progress interval, plus a first and an exact
    /// final report). Reports are made from the consuming loop in order; use a synchronous
    /// <see cref="IProgress{T}"/> when order matters, since <see cref="Progress{T}"/> posts them.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: no reports.</value>
    public IProgress<RunProgress>? Progress { get; init; }

    /// <summary>
    /// Gets the number of items in the run, used for progress and the estimated time remaining when the source
    /// is not a collection whose count is known.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: taken from an <see cref="ICollection{T}"/> or <see cref="IReadOnlyCollection{T}"/> source, otherwise unknown.</value>
    public long? TotalCount { get; init; }

    /// <summary>
    /// Gets a fixed number of items handed over together. The thread strategy uses it as its chunk size,
    /// the process strategy as its batch size; the async strategy runs every item as its own operation and rejects it.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: sized automatically from measured item durations.</value>
    public int? BatchSize { get; init; }

    /// <summary>
    /// Gets a value indicating whether the run ends at its first failed outcome, which is yielded at once (ahead of
    /// the reorder buffer), so fail-fast helpers (<c>MapAsync</c>, <c>ForEachAsync</c>) see it as soon as it happens.
    /// </summary>
    internal bool FailFast { get; init; }
}
