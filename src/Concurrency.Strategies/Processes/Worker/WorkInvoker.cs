using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Processes.Protocol;

namespace Concurrency.Strategies.Processes.Worker;

/// <summary>Runs one item in a worker: deserialize, invoke, serialize; every failure becomes a <see cref="RemoteError"/>.</summary>
internal abstract class WorkInvoker
{
    /// <summary>Runs the item; on success writes the serialized result to <paramref name="output"/> and returns <see langword="null"/>.</summary>
    public abstract ValueTask<RemoteError?> InvokeAsync(long index, ReadOnlyMemory<byte> input, FrameBuffer output, CancellationToken cancellationToken);

    /// <summary>What identifies the invoker of a <see cref="StartMessage"/> (everything but the trace context).</summary>
    public static string Key(StartMessage start) => string.Join(
        '|',
        start.Work.AssemblyName,
        start.Work.MetadataToken,
        string.Join(',', start.Work.TypeArguments),
        string.Join(',', start.Work.MethodArguments),
        start.Work.DelegateType,
        start.InputType,
        start.OutputType,
        start.Serializer is { } serializer ? $"{serializer.AssemblyName}:{serializer.MetadataToken}" : "json");

    /// <summary>Builds the invoker for a <see cref="StartMessage"/>: resolves the work and adapts it to the core shape.</summary>
    public static WorkInvoker Create(StartMessage start)
    {
        var input = WorkIdentity.ResolveType(start.InputType);
        var output = WorkIdentity.ResolveType(start.OutputType);
        var work = start.Work.CreateDelegate();
        var serializer = start.Serializer is null
            ? JsonWorkSerializer.Default
            : start.Serializer.CreateDelegate<Func<IWorkSerializer>>()()
              ?? throw new InvalidOperationException($"The serializer factory {start.Serializer.MethodDisplayName} returned null.");
        var invokerType = typeof(WorkInvoker<,>).MakeGenericType(input, output);
        return (WorkInvoker)Activator.CreateInstance(invokerType, work, serializer)!;
    }
}

/// <summary>The typed invoker; accepts every delegate shape the extension methods accept.</summary>
internal sealed class WorkInvoker<TIn, TOut> : WorkInvoker
{
    private readonly Func<TIn, CancellationToken, ValueTask<TOut>> _work;
    private readonly IWorkSerializer _serializer;

    public WorkInvoker(Delegate work, IWorkSerializer serializer)
    {
        _serializer = serializer;
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

    public override ValueTask<RemoteError?> InvokeAsync(long index, ReadOnlyMemory<byte> input, FrameBuffer output, CancellationToken cancellationToken)
    {
        TIn item;
        try
        {
            item = _serializer.Deserialize<TIn>(input.Span);
        }
        catch (Exception ex)
        {
            return new(RemoteError.From(new WorkSerializationException(
                $"{ItemName(index)} could not be deserialized as {typeof(TIn).FullName} in the worker: {ex.Message}", ex)));
        }

        ValueTask<TOut> pending;
        try
        {
            pending = _work(item, cancellationToken);
        }
        catch (Exception ex)
        {
            return new(RemoteError.From(ex));
        }

        return pending.IsCompletedSuccessfully ? new(Serialize(index, pending.Result, output)) : AwaitAsync(index, pending, output);
    }

    private async ValueTask<RemoteError?> AwaitAsync(long index, ValueTask<TOut> pending, FrameBuffer output)
    {
        TOut result;
        try
        {
            result = await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            return RemoteError.From(ex);
        }

        return Serialize(index, result, output);
    }

    /// <summary>"Item 12", or "The item" when the caller does not send positions (a cluster silo).</summary>
    private static string ItemName(long index) => index >= 0 ? $"Item {index}" : "The item";

    private RemoteError? Serialize(long index, TOut result, FrameBuffer output)
    {
        var start = output.Length;
        try
        {
            _serializer.Serialize(result, output);
            return null;
        }
        catch (Exception ex)
        {
            output.Truncate(start);
            return RemoteError.From(new WorkSerializationException(
                $"The result of {ItemName(index).ToLowerInvariant()} ({typeof(TOut).FullName}) could not be serialized in the worker: {ex.Message}", ex));
        }
    }
}
