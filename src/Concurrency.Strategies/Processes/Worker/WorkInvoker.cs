using System.Diagnostics;
using System.Text.Json;
using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Processes.Protocol;

namespace Concurrency.Strategies.Processes.Worker;

/// <summary>Runs one item in a worker: deserialize, invoke, serialize; every failure becomes a <see cref="RemoteError"/>.</summary>
internal abstract class WorkInvoker
{
    public abstract ValueTask<ItemResult> InvokeAsync(BatchItem item, CancellationToken cancellationToken);

    /// <summary>Builds the invoker for a <see cref="StartMessage"/>: resolves the work and adapts it to the core shape.</summary>
    public static WorkInvoker Create(StartMessage start, JsonSerializerOptions json)
    {
        var input = WorkIdentity.ResolveType(start.InputType);
        var output = WorkIdentity.ResolveType(start.OutputType);
        var work = start.Work.CreateDelegate();
        var invokerType = typeof(WorkInvoker<,>).MakeGenericType(input, output);
        return (WorkInvoker)Activator.CreateInstance(invokerType, work, json)!;
    }
}

/// <summary>The typed invoker; accepts every delegate shape the extension methods accept.</summary>
internal sealed class WorkInvoker<TIn, TOut> : WorkInvoker
{
    private readonly Func<TIn, CancellationToken, ValueTask<TOut>> _work;
    private readonly JsonSerializerOptions _json;

    public WorkInvoker(Delegate work, JsonSerializerOptions json)
    {
        _json = json;
        _work = work switch
        {
            Func<TIn, CancellationToken, ValueTask<TOut>> core => core,
            Func<TIn, TOut> sync => WorkAdapters.From(sync),
            Func<TIn, CancellationToken, TOut> cancellable => WorkAdapters.From(cancellable),
            Action<TIn> action when typeof(TOut) == typeof(bool) => (Func<TIn, CancellationToken, ValueTask<TOut>>)(object)WorkAdapters.From(action),
            Action<TIn, CancellationToken> action when typeof(TOut) == typeof(bool) => (Func<TIn, CancellationToken, ValueTask<TOut>>)(object)WorkAdapters.From(action),
            Func<TIn, CancellationToken, ValueTask> action when typeof(TOut) == typeof(bool) => (Func<TIn, CancellationToken, ValueTask<TOut>>)(object)WorkAdapters.From(action),
            _ => throw new InvalidOperationException(
                $"Work of delegate type {work.GetType()} cannot run as {typeof(TIn).Name} -> {typeof(TOut).Name}."),
        };
    }

    public override async ValueTask<ItemResult> InvokeAsync(BatchItem item, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        TIn input;
        try
        {
            input = item.Value.Deserialize<TIn>(_json)!;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException)
        {
            return Failed(item, start, new SerializationException(
                $"Item {item.Index} could not be deserialized as {typeof(TIn).FullName} in the worker: {ex.Message}", ex));
        }

        TOut result;
        try
        {
            result = await _work(input, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return Failed(item, start, ex);
        }

        try
        {
            var value = JsonSerializer.SerializeToElement(result, _json);
            return new ItemResult(item.Index, value, null, Stopwatch.GetElapsedTime(start).Ticks);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return Failed(item, start, new SerializationException(
                $"The result of item {item.Index} ({typeof(TOut).FullName}) could not be serialized in the worker: {ex.Message}", ex));
        }
    }

    private static ItemResult Failed(BatchItem item, long start, Exception error) =>
        new(item.Index, null, RemoteError.From(error), Stopwatch.GetElapsedTime(start).Ticks);
}
