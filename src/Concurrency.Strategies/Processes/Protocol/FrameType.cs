namespace Concurrency.Strategies.Processes.Protocol;

/// <summary>The kinds of frame exchanged between the parent and a worker over their dedicated pipes.</summary>
internal enum FrameType : byte
{
    /// <summary>Worker → parent: the worker started and is ready (payload: its process id and runtime).</summary>
    Hello = 1,

    /// <summary>Parent → worker: the work to run (its <see cref="WorkIdentity"/>) and the worker's settings.</summary>
    Start = 2,

    /// <summary>Parent → worker: a batch of serialized items with their indices.</summary>
    Batch = 3,

    /// <summary>Worker → parent: the outcomes of a batch.</summary>
    Results = 4,

    /// <summary>Worker → parent: a failure outside any item (the work could not be resolved, an initializer threw).</summary>
    Failure = 5,

    /// <summary>Parent → worker: finish what is running and exit.</summary>
    Shutdown = 6,

    /// <summary>Parent → worker: run the worker initializer once, before any work (payload: <see cref="InitializeMessage"/>).</summary>
    Initialize = 7,

    /// <summary>Worker → parent: the initializer returned; the worker is ready for work.</summary>
    Ready = 8,

    /// <summary>
    /// Parent → worker: the run was cancelled. The token of the running item is cancelled and items of batches sent
    /// before this frame that have not started are answered as cancelled, so every item sent is still answered.
    /// </summary>
    Cancel = 9,
}
