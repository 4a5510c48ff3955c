using Concurrency.Strategies;
using Concurrency.Strategies.Threading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace XunitConsumer;

public sealed class WordCounterTests
{
    [Fact]
    public async Task Counts_words_with_a_ThreadStrategy_swapped_in()
    {
        await using var strategy = new ThreadStrategy(new ThreadStrategyOptions { MaxConcurrency = 2 });
        var counter = new WordCounter(strategy);

        var total = await counter.CountAsync(["one two", "three", "four five six"]);

        Assert.Equal(6, total);
    }

    [Theory]
    [InlineData(StrategyKind.Thread)]
    [InlineData(StrategyKind.Async)]
    [InlineData(StrategyKind.Process)]
    public async Task Counts_words_on_every_strategy_from_configuration(StrategyKind kind)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConcurrencyStrategies:Thread:MaxConcurrency"] = "4",
                ["ConcurrencyStrategies:Process:WorkerCount"] = "2",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddConcurrencyStrategies(configuration.GetSection("ConcurrencyStrategies"));
        await using var provider = services.BuildServiceProvider();
        var counter = new WordCounter(provider.GetRequiredKeyedService<IExecutionStrategy>(kind));

        var total = await counter.CountAsync(Enumerable.Repeat("a b c", 300));

        Assert.Equal(900, total);
    }

    [Fact]
    public async Task A_failing_item_is_an_outcome_not_an_exception()
    {
        await using var strategy = new ThreadStrategy();

        var outcomes = new List<ItemOutcome<string?, int>>();
        await foreach (var outcome in strategy.RunAsync(["a b", null], text => WordCounter.CountWords(text!)))
        {
            outcomes.Add(outcome);
        }

        Assert.Equal(2, outcomes.Count);
        Assert.Single(outcomes, o => o.Succeeded && o.Result == 2);
        Assert.Single(outcomes, o => o.Error is NullReferenceException);
    }
}
