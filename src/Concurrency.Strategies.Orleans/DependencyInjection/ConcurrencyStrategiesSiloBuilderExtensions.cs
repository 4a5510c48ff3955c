using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Orleans.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Orleans.Hosting;

/// <summary>Sets up a silo to run the work items of <c>ClusterStrategy</c> runs.</summary>
public static class ConcurrencyStrategiesSiloBuilderExtensions
{
    /// <summary>
    /// Lets this silo run work items for <c>ClusterStrategy</c>: registers the per-silo cache of resolved work methods
    /// that the worker grains use. The work's assembly (a static method or a lambda that captures nothing) and its item
    /// and result types must be deployed with the silo, for example as a project reference of the silo's app.
    /// </summary>
    /// <param name="builder">The silo builder (<c>UseOrleans(silo => silo.AddConcurrencyStrategiesWorkers())</c>).</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The silo loaded another version of the Concurrency.Strategies package than this one's.</exception>
    public static ISiloBuilder AddConcurrencyStrategiesWorkers(this ISiloBuilder builder)
    {
        Guard.NotNull(builder, "Call it inside UseOrleans(silo => ...) on the silo builder.");
        global::Concurrency.Strategies.Orleans.CoreVersion.ThrowIfMismatched();
        builder.Services.TryAddSingleton<SiloWorkRegistry>();
        return builder;
    }
}
