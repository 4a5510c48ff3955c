using Concurrency.Strategies;
using Concurrency.Strategies.Demo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// The seed article's three scenarios, each run serially and through ThreadStrategy and AsyncStrategy, with every
// outcome checked. Exit code: 0 verified, 1 a check failed, 2 bad arguments.
var arguments = DemoArguments.Parse(args);
if (arguments.Error is not null)
{
    Console.Error.WriteLine(arguments.Error);
    Console.Error.WriteLine(DemoArguments.Usage);
    return 2;
}

if (arguments.ShowHelp)
{
    Console.WriteLine(DemoArguments.Usage);
    return 0;
}

var sizes = arguments.Sizes;
var services = new ServiceCollection();

// Warnings and up, with no provider added: the strategies get their ILogger from DI as in an app, and the tables
// stay the only output. Add a console provider to see the library's warnings.
services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
services.AddConcurrencyStrategies(options =>
{
    options.Thread.MaxConcurrency = sizes.IoThreads;
    options.Async.MaxConcurrency = sizes.AsyncInFlight;
});

// Disposing the container disposes the strategies, which stops their worker threads and processes before the app exits.
await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
var context = new DemoContext(
    provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Thread),
    provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Async),
    provider.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Process),
    new Measurer(provider.GetRequiredService<TimeProvider>()),
    sizes);

var printer = new ReportPrinter(Console.Out);
printer.PrintHeader(sizes);
IWorkload[] workloads = [new BlockingIoWorkload(), new CpuBoundWorkload(), new AsyncIoWorkload()];
var problems = new List<string>();
var runs = 0;
foreach (var workload in workloads)
{
    var report = await workload.RunAsync(context);
    printer.Print(report);
    problems.AddRange(report.Problems);
    runs += report.Rows.Count;
}

printer.PrintVerdict(runs, problems);
return problems.Count == 0 ? 0 : 1;
