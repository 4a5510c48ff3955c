using Concurrency.Strategies;

namespace XunitConsumer;

/// <summary>App code that takes an <see cref="IExecutionStrategy"/>: production passes one from DI, tests pass their own.</summary>
public sealed class WordCounter(IExecutionStrategy strategy)
{
    public async Task<int> CountAsync(IEnumerable<string> documents, CancellationToken cancellationToken = default)
    {
        var total = 0;
        await foreach (var words in strategy.MapAsync(documents, CountWords, cancellationToken: cancellationToken))
        {
            total += words;
        }

        return total;
    }

    // Static, so that a ProcessStrategy can run it in its workers too.
    public static int CountWords(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
}
