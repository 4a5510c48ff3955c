namespace Concurrency.Strategies.Internal;

/// <summary>
/// Adapts synchronous work and side-effect work to <c>Func&lt;TIn, CancellationToken, ValueTask&lt;TOut&gt;&gt;</c>.
/// Each adapter is an <see cref="IWorkAdapter"/>, so the caller's own delegate stays reachable.
/// </summary>
internal static class WorkAdapters
{
    public static Func<TIn, CancellationToken, ValueTask<TOut>> From<TIn, TOut>(Func<TIn, TOut> work) =>
        new Sync<TIn, TOut>(work).InvokeAsync;

    public static Func<TIn, CancellationToken, ValueTask<TOut>> From<TIn, TOut>(Func<TIn, CancellationToken, TOut> work) =>
        new SyncCancellable<TIn, TOut>(work).InvokeAsync;

    public static Func<TIn, CancellationToken, ValueTask<bool>> From<TIn>(Action<TIn> work) =>
        new SideEffect<TIn>(work).InvokeAsync;

    public static Func<TIn, CancellationToken, ValueTask<bool>> From<TIn>(Action<TIn, CancellationToken> work) =>
        new SideEffectCancellable<TIn>(work).InvokeAsync;

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
