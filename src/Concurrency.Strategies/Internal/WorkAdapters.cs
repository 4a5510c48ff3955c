namespace Concurrency.Strategies.Internal;

/// <summary>
/// Adapts synchronous work and side-effect work to <c>Func&lt;TIn, CancellationToken, ValueTask&lt;TOut&gt;&gt;</c>.
/// Each adapter is an <see cref="IWorkAdapter"/>, so the caller's own delegate stays reachable.
/// </summary>
internal static class WorkAdapters
{
    private const string AsyncFix =
        "Write it as (item, cancellationToken) => ... so the asynchronous overload takes it and every item is awaited.";

    public static Func<TIn, CancellationToken, ValueTask<TOut>> From<TIn, TOut>(Func<TIn, TOut> work)
    {
        RejectUnawaited<TOut>();
        return new Sync<TIn, TOut>(work).InvokeAsync;
    }

    public static Func<TIn, CancellationToken, ValueTask<TOut>> From<TIn, TOut>(Func<TIn, CancellationToken, TOut> work)
    {
        RejectUnawaited<TOut>();
        return new SyncCancellable<TIn, TOut>(work).InvokeAsync;
    }

    public static Func<TIn, CancellationToken, ValueTask<bool>> From<TIn>(Action<TIn> work)
    {
        RejectAsyncVoid(work);
        return new SideEffect<TIn>(work).InvokeAsync;
    }

    public static Func<TIn, CancellationToken, ValueTask<bool>> From<TIn>(Action<TIn, CancellationToken> work)
    {
        RejectAsyncVoid(work);
        return new SideEffectCancellable<TIn>(work).InvokeAsync;
    }

    /// <summary>
    /// <c>async x =&gt; ...</c> binds to the synchronous overloads (one parameter), so its task would be the
    /// "result" and never awaited: concurrency limits and timeouts would mean nothing. Refuse it at the call.
    /// </summary>
    private static void RejectUnawaited<TOut>()
    {
        var type = typeof(TOut);
        var awaitable = typeof(Task).IsAssignableFrom(type)
            || type == typeof(ValueTask)
            || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>));
        if (awaitable)
        {
            throw new ArgumentException(
                $"The work returns {type.Name}: an async lambda or method was bound to a synchronous overload, so its task would be returned as the result and never awaited. {AsyncFix}",
                "work");
        }
    }

    /// <summary><c>async x =&gt; ...</c> passed as an action is <c>async void</c>: not awaited, and its exceptions would end the process.</summary>
    private static void RejectAsyncVoid(Delegate work)
    {
        if (work.Method.IsDefined(typeof(System.Runtime.CompilerServices.AsyncStateMachineAttribute), inherit: false))
        {
            throw new ArgumentException(
                $"The work is an async void method or lambda ({work.Method.Name}): it would not be awaited, and an exception in it would end the process. {AsyncFix}",
                nameof(work));
        }
    }

    public static Func<TIn, CancellationToken, ValueTask<bool>> From<TIn>(Func<TIn, CancellationToken, ValueTask> work) =>
        new AsyncSideEffect<TIn>(work).InvokeAsync;

    private sealed class Sync<TIn, TOut>(Func<TIn, TOut> work) : IWorkAdapter
    {
        public Delegate Original => work;

        public ValueTask<TOut> InvokeAsync(TIn item, CancellationToken cancellationToken) => new(work(item));
    }

    private sealed class SyncCancellable<TIn, TOut>(Func<TIn, CancellationToken, TOut> work) : IWorkAdapter
    {
        public Delegate Original => work;

        public ValueTask<TOut> InvokeAsync(TIn item, CancellationToken cancellationToken) => new(work(item, cancellationToken));
    }

    private sealed class SideEffect<TIn>(Action<TIn> work) : IWorkAdapter
    {
        public Delegate Original => work;

        public ValueTask<bool> InvokeAsync(TIn item, CancellationToken cancellationToken)
        {
            work(item);
            return new(true);
        }
    }

    private sealed class SideEffectCancellable<TIn>(Action<TIn, CancellationToken> work) : IWorkAdapter
    {
        public Delegate Original => work;

        public ValueTask<bool> InvokeAsync(TIn item, CancellationToken cancellationToken)
        {
            work(item, cancellationToken);
            return new(true);
        }
    }

    private sealed class AsyncSideEffect<TIn>(Func<TIn, CancellationToken, ValueTask> work) : IWorkAdapter
    {
        public Delegate Original => work;

        public ValueTask<bool> InvokeAsync(TIn item, CancellationToken cancellationToken)
        {
            var pending = work(item, cancellationToken);
            return pending.IsCompletedSuccessfully ? new(true) : AwaitAsync(pending);
        }

        private static async ValueTask<bool> AwaitAsync(ValueTask pending)
        {
            await pending.ConfigureAwait(false);
            return true;
        }
    }
}
