using Concurrency.Strategies.Scenarios;
using Concurrency.Strategies.Selection;
using Spectre.Console;

namespace Concurrency.Strategies.Demo;

/// <summary>
/// Live progress bars, one per run, while a scenario runs; on redirected output, one plain line per finished run instead.
/// </summary>
internal static class ProgressDisplay
{
    public static async Task<ScenarioReport> RunAsync(IAnsiConsole console, Func<IScenarioObserver, Task<ScenarioReport>> run)
    {
        if (!console.Profile.Capabilities.Interactive)
        {
            return await run(new PlainObserver(console));
        }

        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(context => run(new BarObserver(console, context)));
    }

    private sealed class BarObserver(IAnsiConsole console, ProgressContext context) : IScenarioObserver
    {
        private ProgressTask? current;

        public void ScenarioStarted(string name, string title, StrategyRecommendation pick) =>
            console.MarkupLineInterpolated($"[bold underline]{title}[/]");

        public IProgress<RunProgress> RunStarted(string label, int items)
        {
            var task = context.AddTask(Markup.Escape(label), maxValue: Math.Max(items, 1));
            current = task;
            return new Sink(task);
        }

        public void RunFinished(RunResult result)
        {
            if (current is { } task)
            {
                // A verified run ends full; one with problems keeps the count it reached and says so.
                if (result.Verified)
                {
                    task.Value = task.MaxValue;
                }
                else
                {
                    task.Description = $"[red]{Markup.Escape(task.Description)}: {result.Problems.Count} problem(s)[/]";
                }

                task.StopTask();
            }
        }
    }

    private sealed class PlainObserver(IAnsiConsole console) : IScenarioObserver
    {
        public void ScenarioStarted(string name, string title, StrategyRecommendation pick) => console.WriteLine($"== {title}");

        public IProgress<RunProgress> RunStarted(string label, int items) => new Sink(null);

        public void RunFinished(RunResult result) =>
            console.WriteLine($"   {result.Strategy} ×{result.Concurrency}, {result.Variant}: {ReportTables.Seconds(result.Wall)} ({(result.Verified ? "verified" : $"{result.Problems.Count} problem(s)")})");
    }

    // Progress comes from the strategies' own reporting (RunOptions.Progress) or the serial loop, on any thread.
    private sealed class Sink(ProgressTask? task) : IProgress<RunProgress>
    {
        public void Report(RunProgress value)
        {
            if (task is not null)
            {
                task.Value = value.Completed;
            }
        }
    }
}
