using Concurrency.Strategies.Processes;

namespace Concurrency.Strategies.Selection;

/// <summary>
/// Picks a strategy and its settings for a workload, with the reasons. The rules are .NET's, backed by this
/// repository's benchmarks, not Python's folklore: threads run CPU-bound work in parallel (there is no GIL), a
/// pending await holds no thread, and a process is for isolation, not for speed.
/// </summary>
/// <remarks>Deterministic and pure: the same profile on the same machine (<see cref="Environment.ProcessorCount"/>) gives the same answer.</remarks>
public static partial class DecisionGuide
{
    /// <summary>Below this, an item is tiny: per-item overhead matters more than anything else.</summary>
    public static readonly TimeSpan TinyItem = TimeSpan.FromMicroseconds(50);

    /// <summary>The most threads recommended for blocking calls; past it, an async API on the async strategy is the answer.</summary>
    public const int MaxBlockingThreads = 256;

    /// <summary>The most concurrent async operations recommended without knowing the server: many limit a client to far fewer.</summary>
    public const int MaxAsyncInFlight = 1_000;

    /// <summary>Threads per core recommended for tiny CPU-bound items (under <see cref="TinyItem"/>).</summary>
    public const int TinyItemThreadsPerCore = 4;

    /// <summary>In a mixed pipeline, how many I/O operations are kept in flight per CPU-stage worker.</summary>
    public const int MixedIoPerCpuWorker = 8;

    /// <summary>The async concurrency recommended when the item count is unknown (the async strategy's default).</summary>
    public const int DefaultAsyncInFlight = 100;

    /// <summary>Items in flight for a <see cref="StrategyKind.Cluster"/> pick when <see cref="WorkloadProfile.ClusterCores"/> is unknown.</summary>
    public const int DefaultClusterInFlight = 64;

    /// <summary>Items shorter than this never go to the cluster: the per-item cost of a grain call would outweigh the work.</summary>
    public static readonly TimeSpan ClusterMinItem = TimeSpan.FromMilliseconds(1);

    /// <summary>Recommends a strategy for <paramref name="profile"/>.</summary>
    /// <param name="profile">The workload.</param>
    /// <returns>The strategy, its concurrency, a batch size where relevant, and the reasons.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="profile"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A property of <paramref name="profile"/> is out of range; the message names it.</exception>
    public static StrategyRecommendation Recommend(WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        profile.Validate(nameof(profile));
        var cores = Environment.ProcessorCount;
        return profile.Kind switch
        {
            WorkloadKind.Mixed => Mixed(profile, cores),
            _ when profile.TaskCount == 0 => new(StrategyKind.Thread, 1, null, ["There are no items to run, so no strategy has anything to do; any choice is free."]),
            _ when profile.RequiresIsolation => Isolated(profile, cores),
            WorkloadKind.CpuBound => Cpu(profile, cores),
            _ => profile.BlockingApi ? BlockingIo(profile) : AsyncIo(profile),
        };
    }

    private static StrategyRecommendation Cpu(WorkloadProfile profile, int cores)
    {
        var (cluster, clusterNote) = Cluster(profile, cores);
        if (cluster is not null)
        {
            return cluster;
        }

        if (profile.TaskCount is <= 2)
        {
            return new(StrategyKind.Async, Cap(profile.TaskCount, cores), null,
            [
                $"With {profile.TaskCount} item(s) there is nothing to pool: the async strategy runs them on thread-pool threads that already exist (as Task.Run would), where starting dedicated threads costs a few milliseconds (bench `guide`: 2 items of ~20 ms, async 0.021-0.023 s, dedicated threads 0.024-0.029 s over four runs, inline 0.043 s).",
                "Calling the work inline is as good for a single item; use the thread strategy once there are more items than cores.",
                .. clusterNote is null ? Array.Empty<string>() : [clusterNote],
            ]);
        }

        var reasons = new List<string>
        {
            $"CPU-bound work runs in parallel on threads in .NET (there is no GIL): one thread per core ({cores} here) keeps every core busy (bench `process`: 2 threads 1.93-1.95x serial on 2 cores, 2 processes 1.83-1.84x; bench `guide`: on items of 1 ms and 250 ms, more threads or the pool are within 3%, processes 1.5x slower).",
        };
        var max = Cap(profile.TaskCount, cores);
        if (profile.TypicalItemDuration is { } duration && duration < TinyItem)
        {
            max = Cap(profile.TaskCount, TinyItemThreadsPerCore * cores);
            reasons.Add($"Items of {Format(duration)} are tiny, so per-item cost decides: the thread strategy hands them over in automatically sized chunks at about 0.15 µs per item (bench `overhead`), against about 1.5-2.3 µs per item through worker processes (bench `process`, `micro`).");
            reasons.Add($"{max} threads ({TinyItemThreadsPerCore} per core), not {cores}: with tiny items a thread often waits for its results to be taken (and the caller's thread needs a core to take them), so spare threads keep the cores busy (bench `guide`: 200,000 items of ~1 µs, 8 threads 0.154 s, an inline loop 0.200 s, 2 threads 0.250 s).");
        }

        reasons.Add("Use the process strategy instead only if the work must be isolated (native code that may crash, leaks, a hard kill on timeout): set RequiresIsolation.");
        if (clusterNote is not null)
        {
            reasons.Add(clusterNote);
        }

        return new(StrategyKind.Thread, max, null, reasons);
    }

    /// <summary>
    /// The cluster pick: CPU-bound work whose estimated time on this machine exceeds the profile's threshold. When a
    /// threshold is set and the cluster is not picked, the note says why.
    /// </summary>
    private static (StrategyRecommendation? Pick, string? Note) Cluster(WorkloadProfile profile, int cores)
    {
        if (profile.ClusterThreshold is not { } threshold)
        {
            return (null, null);
        }

        if (profile.TaskCount is not { } count || profile.TypicalItemDuration is not { } duration)
        {
            return (null, "ClusterThreshold is set, but the guide needs both TaskCount and TypicalItemDuration to estimate the work's time on this machine; with either unknown it stays local.");
        }

        if (count <= cores)
        {
            return (null, $"Stays on this machine: its {cores} cores run all {count} item(s) at once already, so more machines would not finish sooner.");
        }

        var estimate = TimeSpan.FromTicks((long)Math.Min(TimeSpan.MaxValue.Ticks, (double)count * duration.Ticks / cores));
        if (estimate <= threshold)
        {
            return (null, $"Stays on this machine: {count:N0} items of {Format(duration)} keep its {cores} cores busy for about {Format(estimate)}, within the ClusterThreshold of {Format(threshold)}.");
        }

        if (duration < ClusterMinItem)
        {
            return (null, $"Stays on this machine although the estimate ({Format(estimate)}) is above the ClusterThreshold: items of {Format(duration)} are shorter than {Format(ClusterMinItem)}, and a grain call's own cost per item (docs/scale-out.md) would outweigh the work. Group items into larger ones to send them to the cluster.");
        }

        var max = Cap(count, profile.ClusterCores ?? DefaultClusterInFlight);
        return (new(StrategyKind.Cluster, max, null,
        [
            $"{count:N0} items of {Format(duration)} would keep all {cores} cores of this machine busy for about {Format(estimate)}, above the ClusterThreshold of {Format(threshold)}: run them on the cluster's silos (ClusterStrategy from the Concurrency.Strategies.Orleans package, registered with AddOrleansCluster).",
            profile.ClusterCores is { } clusterCores
                ? $"{max} in flight: one per core of the cluster ({clusterCores} cores in all), so each silo keeps its own cores busy."
                : $"{max} in flight (the default when ClusterCores is unknown): set ClusterCores to the cores of all silos together, so every core gets an item and none queue.",
            $"A grain call adds its own cost per item (network and serialization; measured in docs/scale-out.md), so the cluster pays off for items of {Format(ClusterMinItem)} or more, and the work must be a static method or a lambda that captures nothing, deployed with the silos.",
        ]), null);
    }

    private static StrategyRecommendation BlockingIo(WorkloadProfile profile)
    {
        var max = Cap(profile.TaskCount, MaxBlockingThreads);
        var reasons = new List<string>
        {
            "Only a blocking API is available, and a blocking call holds its thread for as long as it waits: it needs dedicated threads, not the thread pool (blocking pool threads starves the rest of the app).",
            profile.TaskCount is { } count && count <= MaxBlockingThreads
                ? $"All {count} item(s) can wait at once on {max} threads; a parked thread costs about 0.1 MB (bench `threads`), so waiting in parallel is cheap."
                : $"{max} threads let that many calls wait at once (a parked thread costs about 0.1 MB, bench `threads`); more threads mostly add memory and scheduling. For thousands of concurrent operations use an async API on the async strategy.",
        };
        return new(StrategyKind.Thread, max, null, reasons);
    }

    private static StrategyRecommendation AsyncIo(WorkloadProfile profile)
    {
        var max = profile.TaskCount is { } count ? (int)Math.Clamp(count, 1, MaxAsyncInFlight) : DefaultAsyncInFlight;
        var reasons = new List<string>
        {
            "I/O with an async API: a pending await holds no thread, so the async strategy keeps many operations in flight on a few pool threads, at any item count (bench: the demo's 1,000 concurrent 50 ms waits finish in about 0.13 s).",
            profile.TaskCount is null
                ? $"With the count unknown, {max} in flight is a safe start; raise it when the server allows more concurrent requests per client."
                : $"{max} in flight{(profile.TaskCount > MaxAsyncInFlight ? $" (capped at {MaxAsyncInFlight}: servers often limit a client to fewer; raise it if yours does not)" : string.Empty)}.",
        };
        return new(StrategyKind.Async, max, null, reasons);
    }

    private static StrategyRecommendation Isolated(WorkloadProfile profile, int cores)
    {
        var perCore = profile.Kind == WorkloadKind.IoBound ? 2 : 1;
        var max = Cap(profile.TaskCount, Math.Min(cores * perCore, ProcessStrategyOptions.MaxWorkerCountLimit));
        var reasons = new List<string>
        {
            "The items need isolation, which only processes give: a worker that crashes (native code, FailFast, out of memory) fails only its own item and is replaced, ItemTimeout kills a runaway worker, and MaxItemsPerWorker or MaxWorkerMemoryBytes recycle workers that leak.",
            profile.Kind == WorkloadKind.IoBound
                ? $"{max} workers ({perCore} per core): each waits on its own I/O, one item at a time; every worker process costs tens of MB, so keep this modest."
                : $"{max} workers, one per core: a worker runs one item at a time (bench `guide`: 400 items of ~1 ms with 4 crashes, 2 workers 2.21 s, 4 workers 2.44 s, 1 worker 2.96 s, 8 workers 3.58 s on 2 cores).",
            "Tiny items travel in automatically sized batches (about 1.5-2.3 µs per item, bench `process`, `micro`), so the batch size can stay automatic; a worker starts in roughly 0.1-0.3 s, so call WarmUpAsync() ahead of latency-sensitive work.",
        };
        if (profile.ClusterThreshold is not null)
        {
            reasons.Add("ClusterThreshold is set, but items that need isolation stay in worker processes here: on a silo, a crash would take the silo down with every item on it.");
        }

        return new(StrategyKind.Process, max, null, reasons);
    }

    private static StrategyRecommendation Mixed(WorkloadProfile profile, int cores)
    {
        var cpu = Recommend(profile with { Kind = WorkloadKind.CpuBound, BlockingApi = false });
        var ioAlone = Recommend(profile with { Kind = WorkloadKind.IoBound, RequiresIsolation = false });

        // The I/O stage only has to keep the CPU stage fed: fewer starves it, more gains nothing and holds more buffers
        // (bench `guide`: download + resize of 40 images on 2 cores, 8, 16 and 40 downloads in flight 0.448-0.452 s,
        // 4 in flight 0.581 s).
        var feed = Math.Min(ioAlone.MaxConcurrency, MixedIoPerCpuWorker * cpu.MaxConcurrency);
        var io = ioAlone with { MaxConcurrency = feed };
        var reasons = new List<string>
        {
            "A mixed workload runs best as a pipeline of stages, each on the strategy that fits it, with bounded buffers between them (Pipeline.RunAsync): the I/O stage keeps requests in flight while the CPU stage keeps the cores busy.",
            $"I/O stage: {io.Kind} strategy, {io.MaxConcurrency} at once ({MixedIoPerCpuWorker} per CPU worker: enough to hide an I/O wait of several CPU items; more gains nothing and holds more buffers, bench `guide`). CPU stage: {cpu.Kind} strategy, {cpu.MaxConcurrency} at once ({(cpu.Kind == StrategyKind.Cluster ? "the cluster's cores" : $"{cores} cores")}).",
        };
        return new StrategyRecommendation(cpu.Kind, cpu.MaxConcurrency, cpu.BatchSize, reasons) { Stages = [io, cpu] };
    }

    private static int Cap(long? count, int max) => count is { } known ? (int)Math.Clamp(known, 1, max) : max;
}
