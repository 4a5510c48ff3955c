namespace Concurrency.Strategies.Internal;

/// <summary>
/// Marks the object behind a delegate that adapts the caller's work to the core signature, so a strategy that
/// must identify the work itself (the process strategy sends a method, not a closure) can see through it.
/// </summary>
internal interface IWorkAdapter
{
    /// <summary>Gets the caller's own delegate.</summary>
    Delegate Original { get; }
}
