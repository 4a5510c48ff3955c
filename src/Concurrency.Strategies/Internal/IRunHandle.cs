namespace Concurrency.Strategies.Internal;

/// <summary>What a strategy needs to know of its active runs to stop them on disposal.</summary>
internal interface IRunHandle
{
    /// <summary>Completes when every lane of the run has exited.</summary>
    Task Completion { get; }
}
