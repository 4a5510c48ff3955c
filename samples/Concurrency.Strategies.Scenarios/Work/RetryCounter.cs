using System.Net;
using System.Net.Http;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Concurrency.Strategies.Scenarios.Work;

/// <summary>The scenarios' Polly pipeline (retry with jitter on 503, other HTTP failures and attempt timeouts), counting its retries.</summary>
public sealed class RetryCounter
{
    private long retries;

    private int pipelines;

    /// <summary>Gets how many retries the pipeline made.</summary>
    public long Retries => Interlocked.Read(ref retries);

    /// <summary>Gets a value indicating whether a pipeline was built (a run without one has no retries to count).</summary>
    public bool Used => Volatile.Read(ref pipelines) > 0;

    /// <summary>Builds a pipeline that retries transient HTTP failures and counts each retry here.</summary>
    /// <param name="attemptTimeout">How long one attempt may take before it is abandoned and retried.</param>
    /// <param name="maxRetries">How many retries an item gets.</param>
    /// <returns>The pipeline, for <see cref="RunOptions.Resilience"/>.</returns>
    public ResiliencePipeline CreatePipeline(TimeSpan attemptTimeout, int maxRetries = 6)
    {
        Interlocked.Increment(ref pipelines);
        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>(IsTransient)
                    .Handle<TimeoutRejectedException>(),
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(10),
                OnRetry = _ =>
                {
                    Interlocked.Increment(ref retries);
                    return default;
                },
            })
            .AddTimeout(attemptTimeout)
            .Build();
    }

    // 503 and 5xx, 429, and connection failures (no status) are worth another try; 404 is not.
    private static bool IsTransient(HttpRequestException error) =>
        error.StatusCode is null or HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
