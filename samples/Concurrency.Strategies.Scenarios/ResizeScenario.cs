using Concurrency.Strategies.Scenarios.Work;
using Concurrency.Strategies.Selection;

namespace Concurrency.Strategies.Scenarios;

/// <summary>
/// The explainer's second scenario: resize JPEG files to 800×600, CPU-bound. A serial loop, the guide's pick (threads,
/// one per core: .NET has no GIL), and processes (what Python needs; here they pay for starting and for the pipe).
/// Every result is decoded and must be 800×600.
/// </summary>
public static class ResizeScenario
{
    /// <summary>The scenario's name on the command line.</summary>
    public const string Name = "resize";

    /// <summary>About how long one resize takes on this kind of machine; the guide's profile says so.</summary>
    public static readonly TimeSpan TypicalResize = TimeSpan.FromMilliseconds(15);

    /// <summary>Runs the scenario.</summary>
    /// <param name="host">The server, strategies and client.</param>
    /// <param name="observer">Follows the runs.</param>
    /// <param name="cancellationToken">Cancels the runs.</param>
    /// <returns>The report.</returns>
    public static async Task<ScenarioReport> RunAsync(ScenarioHost host, IScenarioObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var count = host.Sizes.ResizeImages;
        var title = $"Resize {count} JPEGs from {host.Sizes.SourceWidth}x{host.Sizes.SourceHeight} to {ScenarioSizes.TargetWidth}x{ScenarioSizes.TargetHeight} (decode, resize, encode)";
        var profile = new WorkloadProfile { Kind = WorkloadKind.CpuBound, TaskCount = count, TypicalItemDuration = TypicalResize };
        var pick = host.Selector.Explain(profile);
        observer?.ScenarioStarted(Name, title, pick);

        // The sources are files, as in the explainer: written once, untimed.
        var sources = host.RunDirectory("resize-sources");
        for (var i = 0; i < count; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(sources, $"{i}.jpg"), host.Server.Image(i), cancellationToken);
        }

        var reference = new ResizeReference(host);

        var cores = Environment.ProcessorCount;
        var runs = new List<RunResult>();
        var number = 0;
        runs.Add(await Spec("serial loop", "1", false).MeasureAsync(
            observer, null, (_, progress, ct) => RunSpec.SerialAsync(Jobs(), ImageResizer.ResizeFile, null, progress, ct), reference.Check, cancellationToken));

        var picked = host.Selector.Select(profile);
        runs.Add(await Spec(picked.Kind + "Strategy", $"{picked.MaxConcurrency}", true).MeasureAsync(
            observer, null, (_, progress, ct) => StrategyRuns.Run(picked, Jobs(), ImageResizer.ResizeFile, picked.MaxConcurrency, null, progress, ct), reference.Check, cancellationToken));

        // Worker processes start before the clock (WarmUpAsync), as an app that uses them would do at startup.
        var processes = host.Processes;
        await processes.WarmUpAsync(cancellationToken);
        runs.Add(await Spec("ProcessStrategy", $"{processes.WorkerCount}", false).MeasureAsync(
            observer, () => processes.WorkerProcessIds, (_, progress, ct) => StrategyRuns.Run(processes, Jobs(), ImageResizer.ResizeFile, processes.WorkerCount, null, progress, ct),
            reference.Check, cancellationToken));

        // More threads than cores: no faster, as the guide says.
        runs.Add(await Spec("ThreadStrategy", $"{4 * cores}", false).MeasureAsync(
            observer, null, (_, progress, ct) => StrategyRuns.Run(host.Strategy(StrategyKind.Thread), Jobs(), ImageResizer.ResizeFile, 4 * cores, null, progress, ct), reference.Check, cancellationToken));
        return new ScenarioReport(Name, title, profile, pick, runs);

        RunSpec Spec(string strategy, string concurrency, bool isPick) => new(Name, strategy, "SkiaSharp, scaled decode", concurrency, count, isPick);

        ResizeJob[] Jobs()
        {
            var target = host.RunDirectory($"resize-{++number}");
            return Enumerable.Range(0, count)
                .Select(i => new ResizeJob(Path.Combine(sources, $"{i}.jpg"), Path.Combine(target, $"{i}.jpg"), ScenarioSizes.TargetWidth, ScenarioSizes.TargetHeight))
                .ToArray();
        }
    }

    /// <summary>
    /// The expected result of every resize, computed once, untimed, on this thread: the same code and the same native
    /// library give the same bytes, so a result must equal its source's reference byte for byte (which also proves it
    /// belongs to its item) and decode to 800×600.
    /// </summary>
    internal sealed class ResizeReference(ScenarioHost host)
    {
        private readonly Dictionary<int, byte[]> expected = [];

        public string? Check(long index, ResizedFile file) => Check(index, file.Path);

        public string? Check(long index, string path)
        {
            if (Path.GetFileName(path) != $"{index}.jpg")
            {
                return $"{path} is not item {index}'s file";
            }

            if (!File.Exists(path))
            {
                return $"{path} is missing";
            }

            var bytes = File.ReadAllBytes(path);
            if (ImageResizer.Verify(bytes) is not (ScenarioSizes.TargetWidth, ScenarioSizes.TargetHeight))
            {
                return $"{path} does not decode to {ScenarioSizes.TargetWidth}x{ScenarioSizes.TargetHeight}";
            }

            var drawing = (int)(index % host.Server.Options.DistinctImages);
            if (!expected.TryGetValue(drawing, out var reference))
            {
                expected[drawing] = reference = ImageResizer.Resize(host.Server.Image(drawing).ToArray(), ScenarioSizes.TargetWidth, ScenarioSizes.TargetHeight);
            }

            return bytes.AsSpan().SequenceEqual(reference) ? null : $"{path} differs from the resize of image {index} ({bytes.Length} bytes, expected {reference.Length})";
        }
    }
}
