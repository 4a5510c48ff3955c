using System.Diagnostics;
using Polly;

namespace Concurrency.Strategies.Internal;

/// <summary>
/// Runs one item and turns whatever happens into an outcome: result, exception, timeout, attempts and duration.
/// A plain item (no timeout, no resilience pipeline) takes the fast path, without allocation.
/// </summary>
internal sealed class ItemRunner<TIn, TOut>
{
    private readonly Func<TIn, CancellationToken, ValueTask<TOut>> _work;
    private readonly TimeSpan? _timeout;
    private readonly ResiliencePipeline? _pipeline;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _runToken;

    /// <summary>Whether a timed-out item's worker is killed (process strategy) rather than asked to stop.</summary>
    private readonly bool _killsOnTimeout;

    public ItemRunner(Func<TIn, CancellationToken, ValueTask<TOut>> work, RunSettings settings, TimeProvider timeProvider, CancellationToken runToken)
    {
        _work = work;
        _timeout = settings.ItemTimeout;
        _pipeline = settings.Resilience;
        _timeProvider = timeProvider;
        _runToken = runToken;
        _killsOnTimeout = settings.Process is not null;
    }

    /// <summary>Gets a value indicating whether items take the fast path.</summary>
    public bool IsPlain => _timeout is null && _pipeline is null;



    public Func<TIn, CancellationToken, ValueTask<TOut>> Work => _work;

    /// <summary>Runs an item on the calling (dedicated) thread, blocking on asynchronous work.</summary>
    /// <param name="item">The input item.</param>
    /// <param name="index">Its position in the input.</param>
    /// <param name="start">The timestamp at which the item starts.</param>
    /// <param name="end">The timestamp at which it ended; the next item of a chunk starts there, so one clock read serves two items.</param>
    public ItemOutcome<TIn, TOut> RunBlocking(TIn item, long index, long start, out long end)
    {
        if (!IsPlain)
        {
            // Blocking mode completes synchronously: every attempt, retry delays included, stays on this thread.
            var pending = RunWithPoliciesAsync(item, index, blocking: true);
            var outcome = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            end = Stopwatch.GetTimestamp();
            return outcome;
        }

        try
        {
            var result = Block(_work(item, _runToken));
            end = Stopwatch.GetTimestamp();
            return new(index, item, result, null, Stopwatch.GetElapsedTime(start, end), 1);
        }
        catch (Exception ex)
        {
            end = Stopwatch.GetTimestamp();
            return new(index, item, default, ex, Stopwatch.GetElapsedTime(start, end), 1);
        }
    }

    /// <summary>Runs an item with its timeout and resilience pipeline, asynchronously (async lanes).</summary>
    public ValueTask<ItemOutcome<TIn, TOut>> RunAsync(TIn item, long index) => RunWithPoliciesAsync(item, index, blocking: false);

    /// <summary>
    /// Runs an item with its timeout and resilience pipeline. With <paramref name="blocking"/> it uses Polly's
    /// synchronous execution and blocks on the work, so it never yields the calling dedicated thread to the pool.
    /// </summary>
    private async ValueTask<ItemOutcome<TIn, TOut>> RunWithPoliciesAsync(TIn item, long index, bool blocking)
    {
        var start = Stopwatch.GetTimestamp();
        CancellationTokenSource? timeoutSource = null;
        CancellationTokenRegistration runLink = default;
        var token = _runToken;
        if (_timeout is { } timeout)
        {
            timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
            runLink = _runToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeoutSource);
            token = timeoutSource.Token;
        }

        var attempt = _pipeline is null ? null : new AttemptState(_work, item);
        try
        {
            TOut result;
            if (attempt is null)
            {
                result = blocking ? Block(_work(item, token)) : await _work(item, token).ConfigureAwait(false);
            }
            else if (blocking)
            {
                result = _pipeline!.Execute(static (state, ct) => Block(state.InvokeAsync(ct)), attempt, token);
            }
            else
            {
                result = await _pipeline!.ExecuteAsync(
                    static (state, ct) => state.InvokeAsync(ct), attempt, token).ConfigureAwait(false);
            }

            return TimedOut(timeoutSource)
                ? new(index, item, default, NewTimeout(index, null), Stopwatch.GetElapsedTime(start), Attempts(attempt))
                : new(index, item, result, null, Stopwatch.GetElapsedTime(start), Attempts(attempt));
        }
        catch (Exception ex)
        {
            var error = TimedOut(timeoutSource) ? NewTimeout(index, ex) : ex;
            return new(index, item, default, error, Stopwatch.GetElapsedTime(start), Attempts(attempt));
        }
        finally
        {
            runLink.Dispose();
            timeoutSource?.Dispose();
        }
    }

    private static TOut Block(ValueTask<TOut> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private static int Attempts(AttemptState? attempt) => attempt is null ? 1 : Math.Max(1, attempt.Count);

    private bool TimedOut(CancellationTokenSource? timeoutSource) =>
        timeoutSource is not null && timeoutSource.IsCancellationRequested && !_runToken.IsCancellationRequested;

    private TimeoutException NewTimeout(long index, Exception? inner) => new(
        _killsOnTimeout
            ? $"Item {index} did not finish within RunOptions.ItemTimeout ({_timeout}); the worker process running it was killed and will be replaced, and the run went on. "
              + "Raise ItemTimeout if the item needs longer."
            : $"Item {index} did not finish within RunOptions.ItemTimeout ({_timeout}); its token was cancelled and the run went on. "
              + "Raise ItemTimeout if the item needs longer, or let the work observe its CancellationToken so it stops promptly.",
        inner);

    /// <summary>Counts the tries a resilience pipeline makes.</summary>
    private sealed class AttemptState(Func<TIn, CancellationToken, ValueTask<TOut>> work, TIn item)
    {
        public int Count;

        public ValueTask<TOut> InvokeAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Count);
            return work(item, cancellationToken);
        }
    }
}
