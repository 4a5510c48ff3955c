using Concurrency.Strategies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Options come from appsettings.json ("ConcurrencyStrategies" section) and are validated at start.
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddConcurrencyStrategies(builder.Configuration.GetSection("ConcurrencyStrategies"));
using var host = builder.Build();
await host.StartAsync();

int[] numbers = [.. Enumerable.Range(1, 1_000)];
long expected = numbers.Sum(n => (long)n * n);

// Blocking or CPU work: dedicated threads.
var threads = host.Services.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Thread);
long onThreads = 0;
await foreach (var square in threads.MapAsync(numbers, Work.Square))
{
    onThreads += square;
}

// Async I/O: many in flight on a few pool threads.
var io = host.Services.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Async);
long onAsync = 0;
await foreach (var square in io.MapAsync(numbers, Work.SquareLaterAsync))
{
    onAsync += square;
}

// Isolation: child processes run a static method of this app.
var processes = host.Services.GetRequiredKeyedService<IExecutionStrategy>(StrategyKind.Process);
long inProcesses = 0;
await foreach (var outcome in processes.RunAsync(numbers, Work.Square))
{
    inProcesses += outcome.Succeeded ? outcome.Result : 0;
}

await host.StopAsync();
Console.WriteLine($"threads {onThreads}, async {onAsync}, processes {inProcesses}, expected {expected}");
return onThreads == expected && onAsync == expected && inProcesses == expected ? 0 : 1;

static class Work
{
    public static long Square(int n) => (long)n * n;

    public static async ValueTask<long> SquareLaterAsync(int n, CancellationToken cancellationToken)
    {
        await Task.Delay(1, cancellationToken);
        return (long)n * n;
    }
}
