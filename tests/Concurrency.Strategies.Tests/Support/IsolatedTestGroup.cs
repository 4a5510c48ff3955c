namespace Concurrency.Strategies.Tests.Support;

/// <summary>Tests that measure process-wide things (the meter, the thread pool's responsiveness) run alone.</summary>
[CollectionDefinition(nameof(IsolatedTestGroup), DisableParallelization = true)]
public sealed class IsolatedTestGroup;
