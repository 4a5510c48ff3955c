using System.Diagnostics;
using System.Text.Json;
using Concurrency.Strategies.Processes.Protocol;
using Concurrency.Strategies.Processes.Worker;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Placement;

namespace Concurrency.Strategies.Orleans.Grains;

/// <summary>
/// Runs items on the silo that activated it. The work runs on the silo's thread pool, not in the activation's turn, so
/// the activation stays free for more items and for cancel and check calls; reentrant, so many items share it.
/// </summary>
internal abstract class WorkItemGrain : Grain, IWorkItemGrain
{
    /// <summary>The activity the work runs in on the silo, a child of the caller's (as a worker process's batch activity is).</summary>
    public const string ItemActivityName = ItemInvocation.ActivityName;

    private readonly SiloWorkRegistry? _registry;

    protected WorkItemGrain(IServiceProvider services)
    {
        _registry = services.GetService<SiloWorkRegistry>();
    }

    public async ValueTask<WorkReply> RunAsync(WorkRequest request)
    {
        if (_registry is null)
        {
            return Reply(RemoteError.From(new InvalidOperationException(
                $"Silo {RuntimeIdentity} has the Concurrency.Strategies.Orleans grains but was not set up to run work items: "
                + "call siloBuilder.AddConcurrencyStrategiesWorkers() where the silo is configured.")), output: null);
        }

        // Registered first, so a check (IsRunningAsync) finds the item while its work is still being resolved.
        var source = _registry.Begin(request.CallId);
        var output = new FrameBuffer(256);
        RemoteError? error = null;
        try
        {
            WorkInvoker invoker;
            try
            {
                invoker = _registry.Get(request.Start);
            }
            catch (Exception ex)
            {
                error = RemoteError.From(new InvalidOperationException(
                    $"Silo {RuntimeIdentity} cannot run this work: {ex.Message} Deploy the assembly that holds the work (and the item and result types) with every silo.", ex));
                return Reply(error, output);
            }

            var token = source.Token;
            error = await Task.Run(() => ItemInvocation.InvokeAsync(invoker, request, output, token), CancellationToken.None).ConfigureAwait(true);
        }
        finally
        {
            _registry.End(request.CallId, source, succeeded: error is null);
        }

        return Reply(error, output);
    }

    public ValueTask CancelAsync(Guid callId)
    {
        _registry?.Cancel(callId);
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> IsRunningAsync(Guid callId) => ValueTask.FromResult(_registry?.IsRunning(callId) ?? false);

    /// <summary>The reply: the error if there is one, else the result the work wrote to <paramref name="output"/>.</summary>
    private WorkReply Reply(RemoteError? error, FrameBuffer? output) => error is null
        ? new WorkReply { Result = output!.WrittenSpan.ToArray(), Silo = RuntimeIdentity }
        : new WorkReply { Error = JsonSerializer.Serialize(error, ProtocolJson.Default.RemoteError), Silo = RuntimeIdentity };
}

/// <summary>The grain for calls from clients: a stateless worker on the gateway silo of its key.</summary>
[StatelessWorker]
[Reentrant]
internal sealed class StatelessWorkItemGrain(IServiceProvider services) : WorkItemGrain(services), IStatelessWorkItemGrain;

/// <summary>The grain for calls from inside a silo: one activation per key, placed on a random silo.</summary>
[RandomPlacement]
[Reentrant]
internal sealed class PlacedWorkItemGrain(IServiceProvider services) : WorkItemGrain(services), IPlacedWorkItemGrain;

/// <summary>Runs an item on the silo's thread pool, outside the grain's turn, inside the item activity when the caller has a trace.</summary>
internal static class ItemInvocation
{
    /// <summary>The activity the work runs in.</summary>
    public const string ActivityName = "concurrency.strategies.cluster.item";

    public static async Task<RemoteError?> InvokeAsync(WorkInvoker invoker, WorkRequest request, FrameBuffer output, CancellationToken token)
    {
        using var activity = request.TraceParent is { } parent ? StartActivity(parent, request.TraceState) : null;
        return await invoker.InvokeAsync(request.Index, request.Item, output, token).ConfigureAwait(false);
    }

    private static Activity StartActivity(string parent, string? state)
    {
        var activity = new Activity(ActivityName).SetParentId(parent);
        activity.TraceStateString = state;
        return activity.Start();
    }
}
