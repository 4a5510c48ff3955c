namespace Concurrency.Strategies.Selection;

/// <summary>
/// Picks one of the app's registered strategies for a workload (registered by <c>services.AddConcurrencyStrategies()</c>).
/// </summary>
public interface IStrategySelector
{
    /// <summary>
    /// Returns the registered strategy that <see cref="DecisionGuide.Recommend"/> picks for <paramref name="profile"/>,
    /// with the recommended concurrency (and batch size) applied to every run whose <see cref="RunOptions"/> does not
    /// set its own. The strategy itself belongs to the container: disposing what this returns does nothing.
    /// </summary>
    /// <param name="profile">The workload.</param>
    /// <returns>The strategy to run the workload on.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1716", Justification = "The name is fixed by DESIGN.md; it clashes only with a VB keyword.")]
    IExecutionStrategy Select(WorkloadProfile profile);

    /// <summary>Returns the recommendation for <paramref name="profile"/>, with its reasons.</summary>
    /// <param name="profile">The workload.</param>
    /// <returns>The recommendation.</returns>
    StrategyRecommendation Explain(WorkloadProfile profile);
}
