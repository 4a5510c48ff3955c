namespace Concurrency.Strategies.Demo;

/// <summary>What every workload needs: the strategies resolved from DI, the measurer, and the sizes.</summary>
/// <param name="Threads">The <see cref="StrategyKind.Thread"/> strategy.</param>
/// <param name="Async">The <see cref="StrategyKind.Async"/> strategy.</param>
/// <param name="Processes">The <see cref="StrategyKind.Process"/> strategy.</param>
/// <param name="Measurer">Times and checks each run.</param>
/// <param name="Sizes">The workload sizes.</param>
internal sealed record DemoContext(IExecutionStrategy Threads, IExecutionStrategy Async, IExecutionStrategy Processes, Measurer Measurer, DemoSizes Sizes);
