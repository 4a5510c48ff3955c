using Concurrency.Strategies.Scenarios.Work;
using Concurrency.Strategies.Selection;

namespace Concurrency.Strategies.Scenarios;

/// <summary>
/// The mixed scenario: download → resize → save, as a staged pipeline (<see cref="Pipeline"/>): the I/O stages on the
/// async strategy, the resize on threads (the guide's pick) or on processes. Every saved file must decode to 800×600.
/// </summary>
public static class MixedScenario
{
    /// <summary>The scenario's name on the command line.</summary>
    public const string Name = "mixed";

    /// <summary>Runs the scenario.</summary>
    /// <param name="host">The server, strategies and client.</param>
    /// <param name="observer">Follows the runs.</param>
    /// <param name="cancellationToken">Cancels the runs.</param>
    /// <returns>The report.</returns>
    public static async Task<ScenarioReport> RunAsync(ScenarioHost host, IScenarioObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        var count = host.Sizes.MixedImages;
        var title = $"Download {count} images, resize each to {ScenarioSizes.TargetWidth}x{ScenarioSizes.TargetHeight}, save: a three-stage pipeline";
        var profile = new WorkloadProfile { Kind = WorkloadKind.Mixed, TaskCount = count, TypicalItemDuration = ResizeScenario.TypicalResize };
        var pick = host.Selector.Explain(profile);
        observer?.ScenarioStarted(Name, title, pick);

        var io = pick.Stages[0];
        var cpu = pick.Stages[1];
        var client = host.Client();
        var ids = Enumerable.Range(0, count).ToArray();
        var runs = new List<RunResult>();
        var number = 0;
        var reference = new ResizeScenario.ResizeReference(host);

        runs.Add(await Measure(host.Strategy(cpu.Kind), cpu.MaxConcurrency, isPick: true, workers: null));

        var processes = host.Processes;
        await processes.WarmUpAsync(cancellationToken);
        runs.Add(await Measure(processes, processes.WorkerCount, isPick: false, workers: () => processes.WorkerProcessIds));
        return new ScenarioReport(Name, title, profile, pick, runs);

        Task<RunResult> Measure(IExecutionStrategy resize, int resizeConcurrency, bool isPick, Func<IReadOnlyCollection<int>>? workers)
        {
            var spec = new RunSpec(
                Name, $"Pipeline {io.Kind}→{resize.Kind}→{io.Kind}", "download, resize, save", $"{io.MaxConcurrency}/{resizeConcurrency}/{io.MaxConcurrency}", count, isPick);
            return spec.MeasureAsync(observer, workers, (retries, progress, ct) => RunPipeline(resize, resizeConcurrency, retries, progress, ct), Check, cancellationToken);
        }

        async IAsyncEnumerable<Outcome<ResizedFile>> RunPipeline(
            IExecutionStrategy resize, int resizeConcurrency, RetryCounter retries, IProgress<RunProgress>? progress,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            var folder = host.RunDirectory($"mixed-{++number}");
            var ioStrategy = host.Strategy(io.Kind);
            var download = new PipelineStage<int, ResizeRequest>(
                ioStrategy,
                async (id, token) => new ResizeRequest(id, await client.GetImageAsync(id, token), ScenarioSizes.TargetWidth, ScenarioSizes.TargetHeight),
                new RunOptions { MaxConcurrency = io.MaxConcurrency, Resilience = retries.CreatePipeline(StrategyRuns.AttemptTimeout) });
            var resizeStage = new PipelineStage<ResizeRequest, ResizedJpeg>(
                resize, static (request, _) => ValueTask.FromResult(ImageResizer.ResizeInMemory(request)), new RunOptions { MaxConcurrency = resizeConcurrency });
            var save = new PipelineStage<ResizedJpeg, ResizedFile>(
                ioStrategy,
                async (image, token) =>
                {
                    var path = Path.Combine(folder, $"{image.Id}.jpg");
                    await File.WriteAllBytesAsync(path, image.Jpeg, token);
                    return new ResizedFile(path, image.Jpeg.Length);
                },
                new RunOptions { MaxConcurrency = io.MaxConcurrency });

            var clock = System.Diagnostics.Stopwatch.StartNew();
            long done = 0, failed = 0;
            await foreach (var outcome in Pipeline.RunAsync(ids.ToAsyncEnumerable(), download, resizeStage, save, ct))
            {
                done++;
                failed += outcome.Succeeded ? 0 : 1;
                progress?.Report(new RunProgress(done, failed, 0, count, clock.Elapsed, null));
                yield return new Outcome<ResizedFile>(outcome.Index, outcome.Result, outcome.Error);
            }
        }

        string? Check(long index, ResizedFile file) => reference.Check(index, file.Path);
    }
}
