using Concurrency.Strategies;
using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Orleans;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="ClusterStrategy"/> and, for a client app, the Orleans client it runs on.</summary>
public static class OrleansClusterServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ClusterStrategy"/> (as itself and as the <see cref="IExecutionStrategy"/> keyed
    /// <see cref="StrategyKind.Cluster"/>, which <c>IStrategySelector</c> resolves for a Cluster pick) and, unless the app
    /// already has one, an Orleans client: with <paramref name="configureClient"/>, or localhost clustering (a silo
    /// started with <c>UseLocalhostClustering()</c> on this machine) when that is <see langword="null"/>.
    /// </summary>
    /// <param name="services">The application's services; call <c>AddConcurrencyStrategies()</c> first.</param>
    /// <param name="configure">Sets the strategy's options; <see langword="null"/> for the defaults.</param>
    /// <param name="configureClient">
    /// Configures the Orleans client: clustering (any Orleans provider: <c>UseAzureStorageClustering</c>,
    /// <c>UseAdoNetClustering</c>, <c>UseRedisClustering</c>, ...), <c>ClusterOptions</c>. Must be <see langword="null"/>
    /// when the app already has an Orleans client or silo (<c>UseOrleans</c>, <c>UseOrleansClient</c>), whose grain
    /// factory the strategy then uses: call <c>AddOrleansCluster</c> after those. In a silo, the strategy places its
    /// grains at random over the silos (a stateless worker called from a silo would always run on that silo).
    /// </param>
    /// <returns>The same services, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="configureClient"/> is given but the app already has an Orleans client or silo.</exception>
    /// <example>
    /// <code>
    /// builder.Services.AddConcurrencyStrategies().AddOrleansCluster(
    ///     o => o.MaxConcurrency = 48,
    ///     client => client.UseRedisClustering(redisConnectionString));
    /// </code>
    /// </example>
    public static IServiceCollection AddOrleansCluster(
        this IServiceCollection services,
        Action<ClusterStrategyOptions>? configure = null,
        Action<IClientBuilder>? configureClient = null)
    {
        Guard.NotNull(services, "Call it on the application's IServiceCollection (builder.Services), after AddConcurrencyStrategies().");
        var options = services.AddOptions<ClusterStrategyOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        return AddCore(services, configureClient, "ClusterStrategyOptions.");
    }

    /// <summary>
    /// Registers <see cref="ClusterStrategy"/> with options bound from <paramref name="configuration"/> (for example the
    /// <c>ConcurrencyStrategies:Cluster</c> section), and an Orleans client as in
    /// <see cref="AddOrleansCluster(IServiceCollection, Action{ClusterStrategyOptions}?, Action{IClientBuilder}?)"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The section with <see cref="ClusterStrategyOptions"/> values (<c>MaxConcurrency</c>, <c>SiloFailureRetries</c>, ...).</param>
    /// <param name="configureClient">Configures the Orleans client; <see langword="null"/> for localhost clustering or the app's existing client.</param>
    /// <returns>The same services, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="configureClient"/> is given but the app already has an Orleans client or silo.</exception>
    public static IServiceCollection AddOrleansCluster(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<IClientBuilder>? configureClient = null)
    {
        Guard.NotNull(services, "Call it on the application's IServiceCollection (builder.Services), after AddConcurrencyStrategies().");
        Guard.NotNull(configuration, "Pass a configuration section, e.g. builder.Configuration.GetSection(\"ConcurrencyStrategies:Cluster\").");
        services.AddOptions<ClusterStrategyOptions>().Bind(configuration);

        // Messages name the configuration key that holds the bad value.
        return AddCore(services, configureClient, configuration is IConfigurationSection section ? section.Path + ":" : string.Empty);
    }

    private static IServiceCollection AddCore(IServiceCollection services, Action<IClientBuilder>? configureClient, string messagePrefix)
    {
        var hasOrleans = services.Any(d => d.ServiceType == typeof(IGrainFactory) || d.ServiceType == typeof(IClusterClient));
        if (hasOrleans && configureClient is not null)
        {
            throw new InvalidOperationException(
                "This app already has an Orleans client or silo (UseOrleans, UseOrleansClient or AddOrleansClient ran before), so AddOrleansCluster "
                + "uses its grain factory and cannot configure another client. Pass configureClient: null, and configure clustering where that client or silo is set up.");
        }

        if (!hasOrleans)
        {
            services.AddOrleansClient(client =>
            {
                if (configureClient is null)
                {
                    client.UseLocalhostClustering();
                }
                else
                {
                    configureClient(client);
                }
            });
        }

        services.AddOptions<ClusterStrategyOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClusterStrategyOptions>>(new ClusterStrategyOptionsValidator(messagePrefix)));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new ClusterStrategy(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<IOptions<ClusterStrategyOptions>>().Value,
            sp.GetService<ILogger<ClusterStrategy>>(),
            sp.GetRequiredService<TimeProvider>(),
            insideSilo: sp.GetService<Orleans.Runtime.ILocalSiloDetails>() is not null));
        services.TryAddKeyedSingleton<IExecutionStrategy>(StrategyKind.Cluster, static (sp, _) => sp.GetRequiredService<ClusterStrategy>());
        return services;
    }

    /// <summary>Validates bound options at start, with messages that name the configuration key.</summary>
    private sealed class ClusterStrategyOptionsValidator(string prefix) : IValidateOptions<ClusterStrategyOptions>
    {
        public ValidateOptionsResult Validate(string? name, ClusterStrategyOptions options)
        {
            var errors = options.Validate(prefix).ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
