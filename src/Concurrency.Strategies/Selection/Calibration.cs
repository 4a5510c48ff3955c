using System.Diagnostics;
using System.Globalization;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Threading;

namespace Concurrency.Strategies.Selection;

/// <summary>A strategy and concurrency that <c>DecisionGuide.CalibrateAsync</c> tries.</summary>
/// <param name="Kind">The strategy.</param>
/// <param name="MaxConcurrency">Its concurrency for the pilot.</param>
public readonly record struct CalibrationCandidate(StrategyKind Kind, int MaxConcurrency);

/// <summary>What one candidate did in the pilot.</summary>
/// <param name="Candidate">The candidate.</param>
/// <param name="Completed">Items that finished (with a result or an error) within its time slice.</param>
/// <param name="Failed">Of those, the items that failed.</param>
/// <param name="Elapsed">How long it ran.</param>
/// <param name="ItemsPerSecond">Items that succeeded per second: over the whole run when the sample finished, else after the first result (start-up left out).</param>
/// <param name="P50">The median item duration.</param>
/// <param name="P95">The 95th percentile item duration.</param>
/// <param name="CpuUse">This process's CPU time over the wall time, per core (0..1); worker processes not included.</param>
internal readonly record struct CalibrationMeasurement(
    CalibrationCandidate Candidate, int Completed, int Failed, TimeSpan Elapsed, double ItemsPerSecond, TimeSpan P50, TimeSpan P95, double CpuUse);

public static partial class DecisionGuide
{
    /// <summary>
    /// Runs a short pilot of the real work on each candidate (a fresh strategy each, disposed after, so every thread
    /// and worker process it started is gone) and recommends the fastest, with the measurements as reasons.
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="sampleItems">Items representative of the workload; each candidate runs them from the start (the work must tolerate running them more than once).</param>
    /// <param name="work">The real work. Process candidates, given or default, are left out (the reasons say so) when it is not a static method or a lambda that captures nothing, or when this app cannot start worker processes.</param>
    /// <param name="candidates">
    /// What to try; <see langword="null"/> tries threads at one and eight per core, async at the sample size (up to 1,000), and processes at one per core.
    /// <see cref="CandidatesFor"/> gives candidates around the static recommendation for a profile.
    /// </param>
    /// <param name="budget">
    /// The most the whole pilot may take; <see langword="null"/> for 5 seconds. Each candidate gets an equal share of
    /// what is left and is cancelled at its end; work that ignores its cancellation token can still overrun by about one item.
    /// A candidate that runs the whole sample is rated over its whole run; one cut short is rated after its first result,
    /// so that its start-up (threads, connections, worker processes), paid once in a real run, does not decide the pick.
    /// </param>
    /// <param name="cancellationToken">Cancels the pilot.</param>
    /// <returns>The fastest candidate as a recommendation; its reasons quote every candidate's items/s, p50/p95 and CPU use.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sampleItems"/> or <paramref name="work"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">There are no sample items or no candidates, the budget is not positive, or every candidate is a process candidate the work cannot run on.</exception>
    public static async Task<StrategyRecommendation> CalibrateAsync<TIn, TOut>(
        IReadOnlyList<TIn> sampleItems,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        IEnumerable<CalibrationCandidate>? candidates = null,
        TimeSpan? budget = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sampleItems);
        ArgumentNullException.ThrowIfNull(work);
        if (sampleItems.Count == 0)
        {
            throw new ArgumentException("CalibrateAsync needs sample items to measure: pass a few dozen items representative of the workload.", nameof(sampleItems));
        }

        var total = budget ?? TimeSpan.FromSeconds(5);
        if (total <= TimeSpan.Zero || total > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(budget), total, $"The calibration budget must be positive and at most an hour; got {total}.");
        }

        // Whether worker processes can run the work is asked only when a process candidate is given or defaults are wanted.
        var given = candidates?.ToList();
        var processesWhyNot = given is null || given.Any(c => c.Kind == StrategyKind.Process) ? ProcessesUnavailable(work) : null;
        given ??= DefaultCandidates(sampleItems.Count, processesWhyNot is null).ToList();
        if (given.Count == 0)
        {
            throw new ArgumentException("Pass at least one candidate, or null for the defaults.", nameof(candidates));
        }

        // Process candidates this work cannot run on are left out before anything runs (a pilot that failed at its
        // last candidate would have spent the budget for nothing), and the reasons say why.
        var skipped = processesWhyNot is null ? [] : given.Where(c => c.Kind == StrategyKind.Process).ToList();
        if (skipped.Count > 0)
        {
            given = given.Where(c => c.Kind != StrategyKind.Process).ToList();
            if (given.Count == 0)
            {
                throw new ArgumentException($"Every candidate is a process candidate, and {processesWhyNot} Pass a static method or a lambda that captures nothing, or other candidates.", nameof(work));
            }
        }

        foreach (var candidate in given)
        {
            if (!Enum.IsDefined(candidate.Kind) || candidate.MaxConcurrency < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(candidates), candidate, $"Each candidate needs a known Kind and a MaxConcurrency of at least 1; got {candidate.Kind} x{candidate.MaxConcurrency}.");
            }

            if (candidate.Kind == StrategyKind.Cluster)
            {
                throw new ArgumentException(
                    $"Calibration cannot run a Cluster candidate (x{candidate.MaxConcurrency}): it measures strategies it creates itself on this machine, and a cluster needs "
                    + "a connected Orleans client. Leave Cluster out of the candidates, and measure a ClusterStrategy from the container against the local pick with a pilot of your own.",
                    nameof(candidates));
            }
        }

        // A pilot of N sample items cannot tell a concurrency above N from N: such a candidate is run at N, and only the
        // first of the candidates that come to the same run is tried (the earlier ones are the caller's preference).
        var list = given.DistinctBy(c => (c.Kind, Math.Min(c.MaxConcurrency, sampleItems.Count))).ToList();

        // One deadline for the whole pilot: each candidate gets an equal share of what is left, counted from before its
        // strategy is built to after it is disposed, so a candidate that overran (work that ignores cancellation finishes
        // its current item) shortens the ones after it.
        var pilot = Stopwatch.StartNew();
        var measurements = new List<CalibrationMeasurement>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            var left = total - pilot.Elapsed;
            var slice = left / (list.Count - i);
            if (slice <= TimeSpan.Zero)
            {
                measurements.Add(new CalibrationMeasurement(list[i], 0, 0, TimeSpan.Zero, 0, TimeSpan.Zero, TimeSpan.Zero, 0));
                continue;
            }

            measurements.Add(await MeasureAsync(list[i], sampleItems, work, slice, cancellationToken).ConfigureAwait(false));
        }

        // The first candidate within 5% of the fastest: a short pilot cannot tell such candidates apart, so the caller's
        // order (CandidatesFor puts the static recommendation first) breaks the tie.
        var (best, fastest, leastFailing, unreliable) = Pick(measurements);
        var reasons = new List<string>
        {
            best.Completed == 0
                ? $"No candidate finished an item within its share of the {Format(total)} budget, so this pick is not measured: raise the budget, or pass fewer or faster sample items."
                : best.ItemsPerSecond < fastest
                    ? $"Measured on {sampleItems.Count} sample items within {Format(total)}: {best.Candidate.Kind} with MaxConcurrency {best.Candidate.MaxConcurrency} ran {Rate(best.ItemsPerSecond)} items/s, within {CalibrationTie:P0} of the fastest ({Rate(fastest)} items/s), and comes first among the candidates, so it is kept: a short pilot cannot tell them apart."
                    : $"Measured on {sampleItems.Count} sample items within {Format(total)}: {best.Candidate.Kind} with MaxConcurrency {best.Candidate.MaxConcurrency} was fastest at {Rate(best.ItemsPerSecond)} items/s.",
        };
        if (unreliable.Count > 0)
        {
            reasons.Add($"Left out for failing more of their items than the most reliable candidate ({leastFailing:P0}): {string.Join(", ", unreliable.Select(m => $"{m.Candidate.Kind} x{m.Candidate.MaxConcurrency} ({(double)m.Failed / m.Completed:P0})"))}.");
        }

        if (skipped.Count > 0)
        {
            reasons.Add($"Not tried: {string.Join(", ", skipped.Select(c => $"{c.Kind} x{c.MaxConcurrency}"))}, because {processesWhyNot}");
        }

        reasons.AddRange(measurements.Select(m =>
            $"{m.Candidate.Kind} x{m.Candidate.MaxConcurrency}{(m.Candidate.MaxConcurrency > sampleItems.Count ? $" (run at {sampleItems.Count}, the sample size)" : string.Empty)}: {Rate(m.ItemsPerSecond)} items/s, {m.Completed} items in {Format(m.Elapsed)}{(m.Failed > 0 ? $" ({m.Failed} failed)" : string.Empty)}, "
            + $"p50 {Format(m.P50)}, p95 {Format(m.P95)}, CPU {m.CpuUse.ToString("P0", CultureInfo.InvariantCulture)} of {Environment.ProcessorCount} cores."));
        return new StrategyRecommendation(best.Candidate.Kind, best.Candidate.MaxConcurrency, null, reasons);
    }

    /// <summary>
    /// Calibrates synchronous (blocking) work: the same pilot as the asynchronous overload, with the work run as the
    /// strategies run synchronous work (on a dedicated thread, a pool thread or a worker process).
    /// </summary>
    /// <typeparam name="TIn">The item type.</typeparam>
    /// <typeparam name="TOut">The result type.</typeparam>
    /// <param name="sampleItems">Items representative of the workload; each candidate runs them from the start.</param>
    /// <param name="work">The real work. Process candidates, given or default, are left out (the reasons say so) when it is not a static method or a lambda that captures nothing, or when this app cannot start worker processes.</param>
    /// <param name="candidates">What to try; <see langword="null"/> for the defaults of the asynchronous overload; <see cref="CandidatesFor"/> gives candidates for a profile.</param>
    /// <param name="budget">The most the whole pilot may take; <see langword="null"/> for 5 seconds.</param>
    /// <param name="cancellationToken">Cancels the pilot.</param>
    /// <returns>The fastest candidate as a recommendation, with every candidate's measurements as reasons.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sampleItems"/> or <paramref name="work"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">There are no sample items or no candidates, the budget is not positive, or the work is an async lambda (pass it as <c>(item, cancellationToken) =&gt; ...</c>).</exception>
    public static Task<StrategyRecommendation> CalibrateAsync<TIn, TOut>(
        IReadOnlyList<TIn> sampleItems,
        Func<TIn, TOut> work,
        IEnumerable<CalibrationCandidate>? candidates = null,
        TimeSpan? budget = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return CalibrateAsync(sampleItems, Internal.WorkAdapters.From(work), candidates, budget, cancellationToken);
    }

    /// <summary>
    /// The candidates worth calibrating for <paramref name="profile"/>: the static recommendation, the same strategy at a
    /// quarter and four times its concurrency (half and twice for processes), and the other strategies at the concurrency their own rule would use (never the async strategy for a blocking API: blocking calls on pool threads measure the pool, not the work).
    /// Pass them to <c>DecisionGuide.CalibrateAsync</c> with sample items drawn from the real workload.
    /// </summary>
    /// <param name="profile">The workload.</param>
    /// <returns>
    /// Distinct candidates on this machine (never <see cref="StrategyKind.Cluster"/>: calibration cannot run one), the
    /// static local recommendation first. A profile that requires isolation gets process candidates
    /// only (running the others would put the calling process at risk); a mixed profile gets its CPU stage's candidates.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="profile"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A property of <paramref name="profile"/> is out of range; the message names it.</exception>
    public static IReadOnlyList<CalibrationCandidate> CandidatesFor(WorkloadProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);

        // Calibration runs strategies on this machine only, so the candidates are the local ones even when the profile
        // would send the work to a cluster.
        profile = profile with { ClusterThreshold = null };
        var pick = Recommend(profile);
        if (profile.Kind == WorkloadKind.Mixed)
        {
            return CandidatesFor(profile with { Kind = WorkloadKind.CpuBound, BlockingApi = false });
        }

        var cores = Environment.ProcessorCount;
        var count = profile.TaskCount is { } known ? (int)Math.Clamp(known, 1, int.MaxValue) : int.MaxValue;
        var list = new List<CalibrationCandidate> { new(pick.Kind, pick.MaxConcurrency) };
        // Neighbours of the pick: a quarter and four times for threads and async, half and twice for processes (each costs a process).
        var step = pick.Kind == StrategyKind.Process ? 2 : 4;
        Add(pick.Kind, pick.MaxConcurrency / step);
        Add(pick.Kind, pick.MaxConcurrency * step);
        if (profile.RequiresIsolation)
        {
            return list;
        }

        if (profile.Kind == WorkloadKind.CpuBound)
        {
            Add(StrategyKind.Async, cores);
            Add(StrategyKind.Process, cores);
        }
        else
        {
            Add(StrategyKind.Thread, Recommend(profile with { BlockingApi = true }).MaxConcurrency);
            if (!profile.BlockingApi)
            {
                // Blocking calls on the async strategy hold pool threads, which the pool adds slowly: a pilot would
                // measure how many idle pool threads there happen to be, not the work (bench `guide`: 0.05-2.4 s for
                // the same 10 blocking requests).
                Add(StrategyKind.Async, Recommend(profile).MaxConcurrency);
            }

            Add(StrategyKind.Process, 2 * cores);
        }

        return list;

        void Add(StrategyKind kind, int concurrency)
        {
            var limit = kind switch
            {
                StrategyKind.Thread => 4 * MaxBlockingThreads,
                StrategyKind.Async => 4 * MaxAsyncInFlight,
                _ => Math.Min(4 * cores, ProcessStrategyOptions.MaxWorkerCountLimit),
            };
            var candidate = new CalibrationCandidate(kind, Math.Clamp(concurrency, 1, Math.Min(limit, count)));
            if (!list.Contains(candidate))
            {
                list.Add(candidate);
            }
        }
    }

    /// <summary>
    /// The pick among measured candidates. Failures first: a candidate that failed a clearly larger share of its items
    /// than the most reliable one is out, however fast (a server refusing that many requests, workers that crash).
    /// Then the first candidate within <see cref="CalibrationTie"/> of the fastest, since a short pilot cannot tell
    /// such candidates apart and the caller's order (the static pick first) breaks the tie.
    /// </summary>
    internal static (CalibrationMeasurement Best, double Fastest, double LeastFailing, List<CalibrationMeasurement> Unreliable) Pick(List<CalibrationMeasurement> measurements)
    {
        var measured = measurements.Where(m => m.Completed > 0).ToList();
        var leastFailing = measured.Count == 0 ? 0 : measured.Min(m => (double)m.Failed / m.Completed);
        var eligible = measured.Where(m => (double)m.Failed / m.Completed <= leastFailing + CalibrationTie).ToList();
        if (eligible.Count == 0)
        {
            eligible = measurements;
        }

        var fastest = eligible.Max(m => m.ItemsPerSecond);
        var best = eligible.First(m => m.ItemsPerSecond >= fastest * (1 - CalibrationTie));
        return (best, fastest, leastFailing, measured.Except(eligible).ToList());
    }

    /// <summary>Candidates whose pilot throughput is within this share of the fastest count as tied.</summary>
    private const double CalibrationTie = 0.05;

    private static IEnumerable<CalibrationCandidate> DefaultCandidates(int samples, bool processesPossible)
    {
        var cores = Environment.ProcessorCount;
        yield return new(StrategyKind.Thread, cores);
        yield return new(StrategyKind.Thread, Math.Min(8 * cores, 256));
        yield return new(StrategyKind.Async, Math.Clamp(samples, 1, MaxAsyncInFlight));
        if (processesPossible)
        {
            yield return new(StrategyKind.Process, cores);
        }
    }

    /// <summary>Why worker processes cannot run <paramref name="work"/> here, or <see langword="null"/> when they can.</summary>
    private static string? ProcessesUnavailable(Delegate work)
    {
        try
        {
            WorkIdentity.From(work);
        }
        catch (ArgumentException ex)
        {
            return $"worker processes can run only a static method or a lambda that captures nothing ({ex.Message})";
        }

        try
        {
            using var probe = new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = 1 });
            probe.EnsureLaunchable();
        }
        catch (NotSupportedException ex)
        {
            return $"this app cannot start worker processes ({ex.Message})";
        }

        return null;
    }

    /// <summary>A fresh strategy of <paramref name="kind"/> at <paramref name="concurrency"/>, as a pilot (and the guide matrix) runs it.</summary>
    internal static IExecutionStrategy CreateStrategy(StrategyKind kind, int concurrency) => kind switch
    {
        StrategyKind.Thread => new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = concurrency }),
        StrategyKind.Async => new AsyncStrategy(new AsyncStrategyOptions { MaxConcurrency = concurrency }),
        StrategyKind.Process => new ProcessStrategy(new ProcessStrategyOptions { WorkerCount = concurrency, ShutdownGracePeriod = TimeSpan.FromSeconds(1) }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown strategy kind."),
    };

    private static async Task<CalibrationMeasurement> MeasureAsync<TIn, TOut>(
        CalibrationCandidate candidate, IReadOnlyList<TIn> items, Func<TIn, CancellationToken, ValueTask<TOut>> work, TimeSpan slice, CancellationToken cancellationToken)
    {
        // Never more threads, in-flight operations or worker processes than there are sample items.
        var concurrency = Math.Min(candidate.MaxConcurrency, items.Count);
        await using var strategy = CreateStrategy(candidate.Kind, concurrency);
        using var sliceEnd = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        sliceEnd.CancelAfter(slice);
        var durations = new List<TimeSpan>(items.Count);
        var failed = 0;
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var firstAt = TimeSpan.Zero;
        try
        {
            await foreach (var outcome in strategy.RunAsync(items, work, cancellationToken: sliceEnd.Token).ConfigureAwait(false))
            {
                if (durations.Count == 0)
                {
                    firstAt = clock.Elapsed;
                }

                durations.Add(outcome.Duration);
                failed += outcome.Succeeded ? 0 : 1;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The candidate's time slice ended: what finished so far is its measurement.
        }

        var elapsed = clock.Elapsed;

        // A pilot that ran the whole sample is measured over the whole run, start-up included, as a workload of that
        // size would be. A pilot cut short by its slice is measured after its first result: the start-up (threads,
        // connections, worker processes) is paid once in the real run but would weigh a whole share of a short slice,
        // and a few hundred milliseconds of process start would decide the pick on its own.
        // Only successes count: a candidate whose items fail fast (a server refusing that many requests, a worker
        // that crashes) must not win on speed.
        var finished = durations.Count == items.Count;
        var succeeded = durations.Count - failed;
        var steady = !finished && durations.Count >= 3 && elapsed - firstAt > TimeSpan.FromMilliseconds(1);
        var rate = steady
            ? Math.Max(succeeded - 1, 0) / (elapsed - firstAt).TotalSeconds
            : succeeded / Math.Max(elapsed.TotalSeconds, 1e-9);
        self.Refresh();
        var cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds / Math.Max(elapsed.TotalSeconds, 1e-9) / Environment.ProcessorCount;
        durations.Sort();
        return new CalibrationMeasurement(
            candidate,
            durations.Count,
            failed,
            elapsed,
            rate,
            Percentile(durations, 0.50),
            Percentile(durations, 0.95),
            Math.Clamp(cpu, 0, 1));
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double p) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    private static string Format(TimeSpan span) =>
        span < TimeSpan.FromMilliseconds(1)
            ? $"{span.TotalMicroseconds.ToString("0.#", CultureInfo.InvariantCulture)} µs"
            : span < TimeSpan.FromSeconds(1)
                ? $"{span.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms"
                : span < TimeSpan.FromMinutes(2)
                    ? $"{span.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture)} s"
                    : span < TimeSpan.FromHours(2)
                        ? $"{span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min"
                        : $"{span.TotalHours.ToString("N1", CultureInfo.InvariantCulture)} h";
}
