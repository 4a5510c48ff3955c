namespace Concurrency.Strategies;

/// <summary>The kinds of execution strategy the library offers.</summary>
public enum StrategyKind
{
    /// <summary>Dedicated worker threads: blocking APIs and CPU-bound work (.NET has no GIL).</summary>
    Thread,

    /// <summary>Child <c>dotnet</c> host processes: isolation, crash containment, hard kill, memory recycling.</summary>
    Process,

    /// <summary>async/await with a bounded in-flight window: many concurrent I/O operations on few threads.</summary>
    Async,

    /// <summary>
    /// Stateless worker grains across the silos of a Microsoft Orleans cluster: more cores than one machine has.
    /// Provided by the <c>Concurrency.Strategies.Orleans</c> package (<c>ClusterStrategy</c>).
    /// </summary>
    Cluster,
}
