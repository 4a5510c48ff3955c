namespace Concurrency.Strategies.Demo;

/// <summary>One scenario of the seed article, run serially and through each strategy.</summary>
internal interface IWorkload
{
    Task<WorkloadReport> RunAsync(DemoContext context);
}
