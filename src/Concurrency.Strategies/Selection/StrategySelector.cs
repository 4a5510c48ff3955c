using Concurrency.Strategies.Processes;
using Microsoft.Extensions.DependencyInjection;

namespace Concurrency.Strategies.Selection;

/// <summary>The registered <see cref="IStrategySelector"/>: the guide's pick among the container's keyed strategies.</summary>
internal sealed class StrategySelector(IServiceProvider services) : IStrategySelector
{
    public StrategyRecommendation Explain(WorkloadProfile profile) => DecisionGuide.Recommend(profile);

    public IExecutionStrategy Select(WorkloadProfile profile)
    {
        var recommendation = DecisionGuide.Recommend(profile);
        var strategy = services.GetKeyedService<IExecutionStrategy>(recommendation.Kind)
            ?? throw new InvalidOperationException(recommendation.Kind == StrategyKind.Cluster
                ? $"The guide picked the Cluster strategy ({recommendation.Reasons[0]}), but none is registered. Add the Concurrency.Strategies.Orleans package and call "
                  + "services.AddConcurrencyStrategies().AddOrleansCluster(...), or leave WorkloadProfile.ClusterThreshold null to stay on this machine."
                : $"No {recommendation.Kind} strategy is registered under its StrategyKind key. Call services.AddConcurrencyStrategies() before resolving IStrategySelector.");

        // The process strategy cannot run more items at once than it has workers.
        var max = strategy is ProcessStrategy processes ? Math.Min(recommendation.MaxConcurrency, processes.WorkerCount) : recommendation.MaxConcurrency;
        return new RecommendedStrategy(strategy, max, recommendation.BatchSize);
    }
}

/// <summary>A registered strategy with a recommended concurrency applied to runs that do not choose their own.</summary>
internal sealed class RecommendedStrategy(IExecutionStrategy inner, int maxConcurrency, int? batchSize) : IExecutionStrategy
{
    public StrategyKind Kind => inner.Kind;

    public int MaxConcurrency => maxConcurrency;

    /// <summary>Gets the container's strategy this one runs on.</summary>
    public IExecutionStrategy Inner => inner;

    public IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var given = options ?? new RunOptions();
        var applied = given with
        {
            MaxConcurrency = given.MaxConcurrency ?? maxConcurrency,
            BatchSize = given.BatchSize ?? (given.Resilience is null && given.ItemTimeout is null ? batchSize : null),
        };
        return inner.RunAsync(items, work, applied, cancellationToken);
    }

    /// <summary>Does nothing: the strategy belongs to the container, which disposes it.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
