using Concurrency.Strategies;
using Concurrency.Strategies.Async;
using Concurrency.Strategies.DependencyInjection;
using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Selection;
using Concurrency.Strategies.Threading;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the execution strategies in a service collection.</summary>
public static class ConcurrencyStrategiesServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ThreadStrategy"/>, <see cref="ProcessStrategy"/> and <see cref="AsyncStrategy"/> as singletons, also as keyed
    /// <see cref="IExecutionStrategy"/> services by <see cref="StrategyKind"/>, with validated options
    /// (<c>ValidateOnStart</c>) and <see cref="TimeProvider.System"/> unless one is registered. Safe to call more than
    /// once; nothing starts at registration (the process pool spawns on first use); the container disposes the strategies,
    /// which stops their worker threads and processes. Also registers <see cref="IStrategySelector"/>, which picks among
    /// them with the <see cref="DecisionGuide"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddConcurrencyStrategies(this IServiceCollection services)
    {
        Guard.NotNull(services, "Call it on the application's IServiceCollection (builder.Services).");
        return AddCore(services);
    }

    /// <summary>Registers the strategies and configures their options in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options, e.g. <c>o => o.Thread.MaxConcurrency = 16</c>.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <inheritdoc cref="AddConcurrencyStrategies(IServiceCollection)" path="/remarks"/>
    public static IServiceCollection AddConcurrencyStrategies(this IServiceCollection services, Action<ConcurrencyStrategiesOptions> configure)
    {
        Guard.NotNull(services, "Call it on the application's IServiceCollection (builder.Services).");
        Guard.NotNull(configure, "Pass a callback that sets options, or call AddConcurrencyStrategies() for the defaults.");
        services.Configure(configure);
        return AddCore(services);
    }

    /// <summary>Registers the strategies and binds their options from configuration.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">A section such as <c>configuration.GetSection("ConcurrencyStrategies")</c>, with sub-sections <c>Thread</c> and <c>Async</c>.</param>
    /// <returns>The same service collection, for chaining.</returns>
    public static IServiceCollection AddConcurrencyStrategies(this IServiceCollection services, IConfiguration configuration)
    {
        Guard.NotNull(services, "Call it on the application's IServiceCollection (builder.Services).");
        Guard.NotNull(configuration, "Pass a configuration section, e.g. builder.Configuration.GetSection(\"ConcurrencyStrategies\").");
        services.Configure<ConcurrencyStrategiesOptions>(configuration);
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.AddOptions<ConcurrencyStrategiesOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConcurrencyStrategiesOptions>, ConcurrencyStrategiesOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ThreadStrategy(
            Options(sp).Thread, sp.GetService<ILogger<ThreadStrategy>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ProcessStrategy(
            Options(sp).Process, sp.GetService<ILogger<ProcessStrategy>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new AsyncStrategy(
            Options(sp).Async, sp.GetService<ILogger<AsyncStrategy>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddKeyedSingleton<IExecutionStrategy>(StrategyKind.Thread, static (sp, _) => sp.GetRequiredService<ThreadStrategy>());
        services.TryAddKeyedSingleton<IExecutionStrategy>(StrategyKind.Process, static (sp, _) => sp.GetRequiredService<ProcessStrategy>());
        services.TryAddSingleton<IStrategySelector>(static sp => new StrategySelector(sp));
        services.TryAddKeyedSingleton<IExecutionStrategy>(StrategyKind.Async, static (sp, _) => sp.GetRequiredService<AsyncStrategy>());
        return services;
    }

    private static ConcurrencyStrategiesOptions Options(IServiceProvider services) =>
        services.GetRequiredService<IOptions<ConcurrencyStrategiesOptions>>().Value;
}
