using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Orleans.Grains;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Processes.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Concurrency.Strategies.Orleans;

/// <summary>
/// Runs items on stateless worker grains across the silos of a Microsoft Orleans cluster, with the same contract as
/// the local strategies: one outcome per item, a bounded in-flight window over the whole cluster, lazy input,
/// cancellation, <see cref="RunOptions.ItemTimeout"/> and Polly pipelines per item.
/// </summary>
/// <remarks>
/// <para>
/// As with <see cref="ProcessStrategy"/>, the work must be a static method or a lambda that captures nothing: it is
/// named by assembly and metadata token and found again on the silo, so its assembly (and the item and result types)
/// must be deployed with every silo, and the silos must call <c>AddConcurrencyStrategiesWorkers()</c>. Items and
/// results travel as the bytes of <see cref="ClusterStrategyOptions.Serializer"/> (System.Text.Json by default) inside
/// Orleans messages. A failed item's outcome holds a <see cref="RemoteWorkException"/> with the silo's exception type,
/// message and stack trace.
/// </para>
/// <para>
/// A silo that fails under an item (connection lost, declared dead) costs that item a resend to another silo, up to
/// <see cref="ClusterStrategyOptions.SiloFailureRetries"/> times; then the item fails with the Orleans exception
/// (<see cref="IsSiloFailure"/> tells such errors apart, for a Polly pipeline). <see cref="RunOptions.ItemTimeout"/> and
/// cancellation send a cancel call to the item's silo, which cancels the item's token there; the item's slot is held
/// until the work stops, at most <see cref="ClusterStrategyOptions.CancellationGracePeriod"/>. Work that ignores its
/// token keeps a silo thread until it returns (nothing can kill it from here, unlike a worker process).
/// </para>
/// <para>
/// From a client, items go to stateless worker grains, which activate on the gateway silo of their key. Inside a silo
/// (the silo's <c>IClusterClient</c>, or <c>AddOrleansCluster()</c> in a silo host), they go to grains placed at random
/// over the silos, since a stateless worker called from a silo always runs on that silo.
/// </para>
/// <para>The strategy does not own the Orleans client: disposing it ends its runs, not the client's connection.</para>
/// </remarks>
public sealed class ClusterStrategy : IExecutionStrategy, IDisposable
{
    private const string ClosureFix =
        "The cluster strategy runs the work on a silo, where the caller's objects do not exist: use a static method (or a "
        + "static lambda), deploy its assembly with the silos, and pass everything the work needs in the item itself.";

    /// <summary>Checks in a row that find an item neither running nor answered before it counts as lost with its silo.</summary>
    private const int LostAfterChecks = 2;

    /// <summary>How long a key whose call failed with its silo gets no new items.</summary>
    private static readonly TimeSpan SuspectPeriod = TimeSpan.FromSeconds(5);

    /// <summary>The other keys of that silo get no new items for this many times <see cref="SuspectPeriod"/>.</summary>
    private const int SiloSuspectFactor = 3;

    private readonly IGrainFactory _grains;

    /// <summary>Whether items go to randomly placed grains (inside a silo) rather than stateless workers (from a client).</summary>
    private readonly bool _placed;
    private readonly ClusterStrategyOptions _options;
    private readonly StrategyCore _core;
    private readonly ILogger _logger;
    private readonly TimeProvider _timeProvider;
    private readonly int[] _inFlightPerKey;
    private readonly long[] _suspectUntil;

    /// <summary>Per key, the silo that answered its last call: the key's gateway, as far as this client knows.</summary>
    private readonly string?[] _keySilo;
    private readonly IWorkItemGrain?[] _grainsByKey;
    private readonly ConcurrentDictionary<string, long> _suspectSilos = new(StringComparer.Ordinal);
    private long _anySiloSuspectUntil;

    /// <summary>The Start message per work method, as the JSON each request carries, built once (naming the work costs reflection).</summary>
    private readonly WorkStarts<string> _starts;
    private readonly ConcurrentDictionary<string, long> _itemsBySilo = new(StringComparer.Ordinal);
    private readonly long _suspectTicks;
    private long _siloFailures;

    /// <summary>Initializes a new instance of the <see cref="ClusterStrategy"/> class.</summary>
    /// <param name="grains">
    /// The Orleans client (<c>IClusterClient</c>). Inside a silo, pass the silo's <c>IClusterClient</c> (or use
    /// <c>AddOrleansCluster()</c>): the strategy then sees that it runs in a silo and places its grains at random over
    /// the silos, since a stateless worker called from a silo always runs on that silo.
    /// </param>
    /// <param name="options">The options; copied, so later changes have no effect. <see langword="null"/> for the defaults.</param>
    /// <param name="logger">A logger for run summaries and silo failures; none when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for item timeouts and progress; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="grains"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> holds an invalid value, or its serializer factory captures state; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The app loaded another version of the Concurrency.Strategies package than this one's.</exception>
    public ClusterStrategy(IGrainFactory grains, ClusterStrategyOptions? options = null, ILogger<ClusterStrategy>? logger = null, TimeProvider? timeProvider = null)
        : this(grains, options, logger, timeProvider, insideSilo: null)
    {
    }

    /// <summary>Initializes a new instance with what the container knows: whether this app hosts a silo.</summary>
    internal ClusterStrategy(IGrainFactory grains, ClusterStrategyOptions? options, ILogger<ClusterStrategy>? logger, TimeProvider? timeProvider, bool? insideSilo)
    {
        Guard.NotNull(grains, "Pass the Orleans client (IClusterClient) or a silo's IGrainFactory; AddOrleansCluster() registers one.");
        _placed = insideSilo ?? (grains is IClusterClient client && client.ServiceProvider.GetService(typeof(ILocalSiloDetails)) is not null);
        CoreVersion.ThrowIfMismatched();
        options ??= new ClusterStrategyOptions();
        OptionsValidation.ThrowIfInvalid(options.Validate("ClusterStrategyOptions."), nameof(options));
        _grains = grains;
        _options = options.Clone();
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _starts = new WorkStarts<string>(
            _options.Serializer, nameof(ClusterStrategyOptions), nameof(options), allowFileless: false, ClosureFix, static start => JsonSerializer.Serialize(start, ProtocolJson.Default.StartMessage));

        _inFlightPerKey = new int[_options.DispatchKeys ?? Math.Clamp(_options.MaxConcurrency, 16, 1024)];
        _suspectUntil = new long[_inFlightPerKey.Length];
        _keySilo = new string?[_inFlightPerKey.Length];
        _grainsByKey = new IWorkItemGrain?[_inFlightPerKey.Length];
        _suspectTicks = (long)(SuspectPeriod.TotalSeconds * _timeProvider.TimestampFrequency);
        _core = new StrategyCore(
            StrategyKind.Cluster,
            nameof(ClusterStrategy),
            _options.MaxConcurrency,
            _timeProvider,
            _logger,
            threads: null,
            Resolve);
    }

    /// <inheritdoc/>
    public StrategyKind Kind => StrategyKind.Cluster;

    /// <summary>Gets the grain factory the strategy calls (for the bench's bare-call baseline).</summary>
    internal IGrainFactory GrainFactory => _grains;

    /// <inheritdoc/>
    public int MaxConcurrency => _core.MaxConcurrency;

    /// <summary>Gets how many items each silo has answered for this strategy, by silo address (a snapshot).</summary>
    public IReadOnlyDictionary<string, long> ItemsBySilo => new Dictionary<string, long>(_itemsBySilo, StringComparer.Ordinal);

    /// <summary>Gets how many times an item was sent again because the silo running it failed.</summary>
    public long SiloFailures => Interlocked.Read(ref _siloFailures);

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The work captures state or is an instance method: it cannot run on a silo.</exception>
    public IAsyncEnumerable<ItemOutcome<TIn, TOut>> RunAsync<TIn, TOut>(
        IAsyncEnumerable<TIn> items,
        Func<TIn, CancellationToken, ValueTask<TOut>> work,
        RunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        Guard.NotNull(items, Guard.ItemsFix);
        Guard.NotNull(work, Guard.WorkFix);
        _core.ThrowIfDisposed();
        var start = _starts.For(work);
        return _core.Run(items, (item, token) => DispatchAsync<TIn, TOut>(start, item, token), options, cancellationToken);
    }

    /// <summary>Cancels active runs and waits for their lanes to finish; the Orleans client stays connected.</summary>
    /// <returns>A task that completes when no run of this strategy is left.</returns>
    public ValueTask DisposeAsync() => _core.DisposeAsync();

    /// <summary>Cancels active runs and blocks until they have finished.</summary>
    public void Dispose() => _core.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Whether <paramref name="exception"/> says that the silo running an item (or the gateway to it) failed, not the
    /// item: the predicate for a Polly retry of such items, e.g. with <see cref="ClusterStrategyOptions.SiloFailureRetries"/> = 0:
    /// <c>new PredicateBuilder().Handle&lt;Exception&gt;(ClusterStrategy.IsSiloFailure)</c>.
    /// </summary>
    /// <param name="exception">An item's error.</param>
    /// <returns><see langword="true"/> for Orleans' silo, connection and gateway failures, including the strategy's own finding that a silo stopped answering.</returns>
    public static bool IsSiloFailure(Exception exception) =>
        exception is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException;

    private async ValueTask<TOut> DispatchAsync<TIn, TOut>(string start, TIn item, CancellationToken token)
    {
        var trace = System.Diagnostics.Activity.Current;
        var payload = SerializeItem(item);
        WorkReply reply;
        int lastKey;
        string? failedSilo = null;
        for (var failures = 0; ; failures++)
        {
            // Each attempt has its own call id, so a cancel or a check reaches that attempt and no other.
            var request = new WorkRequest
            {
                Start = start,
                Item = payload,
                Index = -1,
                CallId = Guid.NewGuid(),
                TraceParent = trace?.Id,
                TraceState = trace?.TraceStateString,
            };
            var key = AcquireKey(failedSilo);
            lastKey = key;
            try
            {
                reply = await CallAsync(Grain(key), request, token).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (IsSiloFailure(ex))
            {
                // The key's gateway is likely the lost silo: keep new items off it, and off every key last answered by
                // that silo, until the client has rerouted them; and keep this item's resends off that silo.
                failedSilo = Suspect(key) ?? failedSilo;
                if (failures >= _options.SiloFailureRetries || token.IsCancellationRequested)
                {
                    throw;
                }

                Interlocked.Increment(ref _siloFailures);
                ClusterLog.SiloFailed(_logger, failures + 1, _options.SiloFailureRetries, ex.GetType().Name, ex.Message);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlightPerKey[key]);
            }

            // A short, growing pause before the resend, so the client can notice the lost gateway.
            await Task.Delay(TimeSpan.FromMilliseconds(50 << Math.Min(failures, 6)), _timeProvider, token).ConfigureAwait(false);
        }

        _itemsBySilo.AddOrUpdate(reply.Silo, 1, static (_, count) => count + 1);
        Volatile.Write(ref _keySilo[lastKey], reply.Silo);
        if (reply.Error is { } error)
        {
            throw RemoteWorkException.From(JsonSerializer.Deserialize(error, ProtocolJson.Default.RemoteError)!);
        }

        try
        {
            return _starts.Serializer.Deserialize<TOut>(reply.Result ?? []);
        }
        catch (Exception ex)
        {
            throw new WorkSerializationException(
                $"The result ({typeof(TOut).FullName}) from silo {reply.Silo} could not be deserialized: {ex.Message}", ex);
        }
    }

    /// <summary>The grain of a dispatch key: a stateless worker from a client, a randomly placed grain from inside a silo. References are kept per key.</summary>
    private IWorkItemGrain Grain(int key) =>
        Volatile.Read(ref _grainsByKey[key])
        ?? Interlocked.CompareExchange(ref _grainsByKey[key], _placed ? _grains.GetGrain<IPlacedWorkItemGrain>(key) : _grains.GetGrain<IStatelessWorkItemGrain>(key), null)
        ?? _grainsByKey[key]!;

    /// <summary>
    /// Calls the grain. When the token is cancelled, a cancel call goes to the same key (so to the same silo), where it
    /// cancels the item's token, and the call is given <see cref="ClusterStrategyOptions.CancellationGracePeriod"/> to
    /// come back: work that stops on its token has stopped before the item's outcome (or the run's end) is reported.
    /// After that the call is abandoned.
    /// </summary>
    private async Task<WorkReply> CallAsync(IWorkItemGrain grain, WorkRequest request, CancellationToken token)
    {
        var call = grain.RunAsync(request).AsTask();
        try
        {
            var interval = _options.SiloCheckInterval;
            var missed = 0;
            while (true)
            {
                try
                {
                    return await call.WaitAsync(interval, _timeProvider, token).ConfigureAwait(false);
                }
                catch (TimeoutException) when (!call.IsCompleted)
                {
                    // Still running after an interval: ask its silo (the same key routes to the same gateway) whether it has it.
                }

                missed = await StillRunningAsync(grain, request.CallId, interval, token).ConfigureAwait(false) ? 0 : missed + 1;
                if (missed >= LostAfterChecks)
                {
                    // If the silo is only slow, not gone, its copy is asked to stop: the item is about to run elsewhere.
                    Observe(call);
                    Observe(grain.CancelAsync(request.CallId).AsTask());
                    throw new SiloUnavailableException(
                        $"The silo running this item stopped answering for it: {LostAfterChecks} checks {interval} apart found it neither "
                        + "running there nor answered (the silo died, or its gateway did). The item counts as lost with its silo.");
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !call.IsCompleted)
        {
            Observe(grain.CancelAsync(request.CallId).AsTask());
            await Task.WhenAny(call, Task.Delay(_options.CancellationGracePeriod, _timeProvider, CancellationToken.None)).ConfigureAwait(false);
            Observe(call);
            if (!call.IsCompleted)
            {
                ClusterLog.CallAbandoned(_logger, _options.CancellationGracePeriod);
            }

            throw;
        }
    }

    /// <summary>Asks the silo behind <paramref name="grain"/>'s key whether it runs the call; no answer within the interval counts as no.</summary>
    private async Task<bool> StillRunningAsync(IWorkItemGrain grain, Guid callId, TimeSpan interval, CancellationToken token)
    {
        var check = grain.IsRunningAsync(callId).AsTask();
        try
        {
            return await check.WaitAsync(interval, _timeProvider, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException || IsSiloFailure(ex))
        {
            Observe(check);
            return false;
        }
        catch (OperationCanceledException)
        {
            Observe(check);
            throw;
        }
    }

    /// <summary>Observes a task whose outcome no longer matters, so a late failure is not an unobserved task exception.</summary>
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private byte[] SerializeItem<TIn>(TIn item)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        try
        {
            _starts.Serializer.Serialize(item, buffer);
        }
        catch (Exception ex)
        {
            throw new WorkSerializationException(
                $"The item ({typeof(TIn).FullName}) could not be serialized to send it to a silo: {ex.Message}", ex);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Picks the dispatch key for the next call: of two random keys, the one with fewer calls in flight, skipping keys
    /// whose call just failed with its silo. Keys are spread over the client's gateways, so keys that pile up calls (a
    /// slow or busy silo) get fewer new ones, and the keys of a lost silo none until the client has rerouted them.
    /// </summary>
    private int AcquireKey(string? avoidSilo)
    {
        var keys = _inFlightPerKey.Length;
        var now = _timeProvider.GetTimestamp();
        var key = 0;
        for (var tries = 0; tries < 8; tries++)
        {
            var a = Random.Shared.Next(keys);
            var b = Random.Shared.Next(keys);
            var aSuspect = IsSuspect(a, now, avoidSilo);
            var bSuspect = IsSuspect(b, now, avoidSilo);
            key = aSuspect != bSuspect
                ? (aSuspect ? b : a)
                : Volatile.Read(ref _inFlightPerKey[a]) <= Volatile.Read(ref _inFlightPerKey[b]) ? a : b;
            if (!aSuspect || !bSuspect)
            {
                break;
            }
        }

        Interlocked.Increment(ref _inFlightPerKey[key]);
        return key;
    }

    /// <summary>Whether <paramref name="key"/> failed with its silo lately, or was last answered by a silo that did.</summary>
    private bool IsSuspect(int key, long now, string? avoidSilo)
    {
        if (Volatile.Read(ref _suspectUntil[key]) > now)
        {
            return true;
        }

        if (avoidSilo is not null && string.Equals(Volatile.Read(ref _keySilo[key]), avoidSilo, StringComparison.Ordinal))
        {
            return true;
        }

        return Volatile.Read(ref _anySiloSuspectUntil) > now
            && Volatile.Read(ref _keySilo[key]) is { } silo
            && _suspectSilos.TryGetValue(silo, out var until)
            && until > now;
    }

    /// <summary>Keeps new items off a key whose call failed with its silo, and off that silo's other keys for longer.</summary>
    /// <returns>The silo that last answered through the key, if any: the one that failed, as far as this client knows.</returns>
    private string? Suspect(int key)
    {
        var now = _timeProvider.GetTimestamp();
        Volatile.Write(ref _suspectUntil[key], now + _suspectTicks);
        if (Volatile.Read(ref _keySilo[key]) is { } silo)
        {
            var until = now + (SiloSuspectFactor * _suspectTicks);
            _suspectSilos[silo] = until;
            if (until > Volatile.Read(ref _anySiloSuspectUntil))
            {
                Volatile.Write(ref _anySiloSuspectUntil, until);
            }

            // Silo addresses change when a silo restarts, so old entries are dropped here rather than kept forever.
            foreach (var (name, expires) in _suspectSilos)
            {
                if (expires <= now)
                {
                    _suspectSilos.TryRemove(name, out _);
                }
            }

            return silo;
        }

        return null;
    }

    private RunSettings Resolve(RunOptions options, int defaultConcurrency)
    {
        StrategyCore.ValidateCommon(options, ClusterStrategyOptions.MaxConcurrencyLimit, nameof(ClusterStrategy));
        if (options.BatchSize is not null)
        {
            throw new ArgumentException(
                $"RunOptions.BatchSize ({options.BatchSize}) does not apply to the ClusterStrategy: every item is its own grain call. "
                + "Remove BatchSize, or make each item carry more work (a group of inputs) when items are tiny.",
                nameof(options));
        }

        var max = options.MaxConcurrency ?? defaultConcurrency;
        return RunSettings.From(StrategyKind.Cluster, options, max, Async.AsyncConstants.WindowCapacity(max), _options.ProgressInterval);
    }
}

/// <summary>Log messages of the cluster strategy.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "A silo failed under an item ({Exception}: {Reason}); sending it to another silo (resend {Attempt} of {Limit}).")]
    public static partial void SiloFailed(ILogger logger, int attempt, int limit, string exception, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "A cancelled item's grain call did not come back within the CancellationGracePeriod ({GracePeriod}); its work may still be running on the silo.")]
    public static partial void CallAbandoned(ILogger logger, TimeSpan gracePeriod);
}
