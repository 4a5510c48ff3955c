using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Concurrency.Strategies.Internal;

namespace Concurrency.Strategies.Processes;

/// <summary>Options of <see cref="ProcessStrategy"/>.</summary>
public sealed class ProcessStrategyOptions
{
    internal const int MaxWorkerCountLimit = 256;

    /// <summary>Gets or sets the most worker processes the pool runs at once; also the default <c>MaxConcurrency</c> of a run.</summary>
    /// <value>Defaults to <see cref="Environment.ProcessorCount"/>: a worker runs one item at a time.</value>
    [Range(1, MaxWorkerCountLimit)]
    public int WorkerCount { get; set; } = Environment.ProcessorCount;

    /// <summary>Gets or sets how many items a worker runs before it is replaced by a fresh one; <see langword="null"/> for no limit.</summary>
    /// <value>Defaults to <see langword="null"/>. Set it for work that leaks (like Python's <c>max_tasks_per_child</c>).</value>
    [Range(1, long.MaxValue)]
    public long? MaxItemsPerWorker { get; set; }

    /// <summary>Gets or sets the resident memory (RSS) above which a worker is replaced after the batch it runs; <see langword="null"/> for no limit.</summary>
    /// <value>Defaults to <see langword="null"/>. Checked at most once a second per worker; at least 32 MiB.</value>
    [Range(32L * 1024 * 1024, long.MaxValue)]
    public long? MaxWorkerMemoryBytes { get; set; }

    /// <summary>Gets or sets how long a worker may stay idle before it exits; the pool shrinks to zero when idle and grows again on demand.</summary>
    /// <value>Defaults to 60 seconds; <see cref="Timeout.InfiniteTimeSpan"/> keeps workers until disposal.</value>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long a new worker may take to start (and run the initializer) before it is killed and the run fails.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long a worker gets to finish by itself before it is killed: to exit when it is recycled, idle or
    /// disposed, and, when a run is cancelled, to stop its items (work that observes its <see cref="CancellationToken"/>
    /// stops at once and the worker is kept; work that does not is killed with its worker after this period).
    /// </summary>
    /// <value>Defaults to 5 seconds.</value>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the largest frame (a batch of items or of results) either side accepts.</summary>
    /// <value>Defaults to 64 MiB. An item or result that cannot fit fails with a <see cref="WorkSerializationException"/>; a corrupt frame fails the worker.</value>
    [Range(64 * 1024, 1024 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = Protocol.FrameFormat.DefaultMaxPayloadBytes;

    /// <summary>Gets or sets how many batches are sent to a worker ahead of its answers, so pipe latency is hidden.</summary>
    /// <value>Defaults to 2: one running, one waiting in the pipe.</value>
    [Range(1, 16)]
    public int BatchesInFlightPerWorker { get; set; } = 2;

    /// <summary>Gets or sets the duration automatic batching aims each batch at (like joblib's auto-batching).</summary>
    /// <value>Defaults to 20 milliseconds: long enough to make a pipe round trip negligible, short enough to spread work evenly.</value>
    public TimeSpan TargetBatchDuration { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Gets or sets how many worker crashes quarantine an item: it fails and is not run again, even by a retry policy.</summary>
    /// <value>Defaults to 2.</value>
    [Range(1, 100)]
    public int QuarantineAfterCrashes { get; set; } = 2;

    /// <summary>Gets or sets the shortest interval between two progress reports of a run.</summary>
    /// <value>Defaults to 100 milliseconds.</value>
    public TimeSpan ProgressInterval { get; set; } = RunDefaults.ProgressInterval;

    /// <summary>Gets environment variables set (or, with a <see langword="null"/> value, removed) for every worker process, e.g. <c>DOTNET_GCHeapHardLimit</c>.</summary>
    public IDictionary<string, string?> EnvironmentVariables { get; private set; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets a custom command that starts a worker, for apps that cannot start one themselves (single-file or
    /// self-contained publish); <see langword="null"/> starts <c>dotnet exec</c> with the app's own runtimeconfig and deps files.
    /// </summary>
    public WorkerHostCommand? WorkerHost { get; set; }

    /// <summary>
    /// Gets or sets a factory of the serializer for items and results, called in the app and in every worker, so it
    /// must be a static method or a lambda that captures nothing; <see langword="null"/> for <see cref="JsonWorkSerializer.Default"/>.
    /// </summary>
    /// <example><c>options.Serializer = static () => new JsonWorkSerializer(MyJsonContext.Default.Options);</c></example>
    public Func<IWorkSerializer>? Serializer { get; set; }

    /// <summary>Gets the worker initializer set by <see cref="UseInitializer(Action)"/> or its overloads.</summary>
    internal InitializerSpec? Initializer { get; private set; }

    /// <summary>
    /// Runs <paramref name="initializer"/> once in each worker when it starts, before any item (load a model, open a
    /// connection). If it throws, the run that needed the worker fails with the remote error; workers are not
    /// restarted in a loop.
    /// </summary>
    /// <param name="initializer">A static method or a lambda that captures nothing.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="initializer"/> captures state; the message names it.</exception>
    public ProcessStrategyOptions UseInitializer(Action initializer)
    {
        Initializer = new InitializerSpec(WorkIdentity.From(initializer, nameof(initializer)), null, null);
        return this;
    }

    /// <summary>Runs an asynchronous <paramref name="initializer"/> once in each worker when it starts; see <see cref="UseInitializer(Action)"/>.</summary>
    /// <param name="initializer">A static method or a lambda that captures nothing.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="initializer"/> captures state; the message names it.</exception>
    public ProcessStrategyOptions UseInitializer(Func<Task> initializer)
    {
        Initializer = new InitializerSpec(WorkIdentity.From(initializer, nameof(initializer)), null, null);
        return this;
    }

    /// <summary>
    /// Runs <paramref name="initializer"/> with <paramref name="argument"/> once in each worker when it starts (like
    /// Python's <c>initializer</c>/<c>initargs</c>); the argument travels as JSON. See <see cref="UseInitializer(Action)"/>.
    /// </summary>
    /// <typeparam name="TArgument">The argument's type; it must round-trip through System.Text.Json.</typeparam>
    /// <param name="initializer">A static method or a lambda that captures nothing.</param>
    /// <param name="argument">The argument every worker receives.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="initializer"/> captures state, or the argument cannot be serialized.</exception>
    public ProcessStrategyOptions UseInitializer<TArgument>(Action<TArgument> initializer, TArgument argument) =>
        SetInitializer(initializer, argument);

    /// <summary>Runs an asynchronous <paramref name="initializer"/> with <paramref name="argument"/> once in each worker; see <see cref="UseInitializer{TArgument}(Action{TArgument}, TArgument)"/>.</summary>
    /// <typeparam name="TArgument">The argument's type; it must round-trip through System.Text.Json.</typeparam>
    /// <param name="initializer">A static method or a lambda that captures nothing.</param>
    /// <param name="argument">The argument every worker receives.</param>
    /// <returns>These options.</returns>
    /// <exception cref="ArgumentException"><paramref name="initializer"/> captures state, or the argument cannot be serialized.</exception>
    public ProcessStrategyOptions UseInitializer<TArgument>(Func<TArgument, Task> initializer, TArgument argument) =>
        SetInitializer(initializer, argument);

    private ProcessStrategyOptions SetInitializer<TArgument>(Delegate initializer, TArgument argument)
    {
        var identity = WorkIdentity.From(initializer, nameof(initializer));
        string json;
        try
        {
            json = JsonSerializer.Serialize(argument, InitializerJson);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            throw new ArgumentException(
                $"The initializer's argument of type {typeof(TArgument).FullName} cannot be serialized with System.Text.Json: {ex.Message} "
                + "Pass a value made of public properties, arrays and primitives.",
                nameof(argument),
                ex);
        }

        Initializer = new InitializerSpec(identity, WorkIdentity.TypeName(typeof(TArgument)), json);
        return this;
    }

    private static readonly JsonSerializerOptions InitializerJson = new(JsonSerializerDefaults.General);

    internal ProcessStrategyOptions Clone()
    {
        var clone = (ProcessStrategyOptions)MemberwiseClone();
        clone.WorkerHost = WorkerHost?.Clone();
        clone.EnvironmentVariables = new Dictionary<string, string?>(EnvironmentVariables, StringComparer.Ordinal);
        return clone;
    }

    internal IEnumerable<string> Validate(string prefix)
    {
        foreach (var error in OptionsValidation.DataAnnotations(this, prefix))
        {
            yield return error;
        }

        if (IdleTimeout != Timeout.InfiniteTimeSpan && (IdleTimeout < TimeSpan.Zero || IdleTimeout > MaxTimer))
        {
            yield return $"{prefix}IdleTimeout must be between zero and {MaxTimer} (or Timeout.InfiniteTimeSpan to keep workers until disposal); got {IdleTimeout}.";
        }

        if (StartTimeout <= TimeSpan.Zero || StartTimeout > MaxTimer)
        {
            yield return $"{prefix}StartTimeout must be positive and at most {MaxTimer}, e.g. 00:00:30; got {StartTimeout}.";
        }

        if (ShutdownGracePeriod < TimeSpan.Zero || ShutdownGracePeriod > MaxTimer)
        {
            yield return $"{prefix}ShutdownGracePeriod must be between zero (kill at once) and {MaxTimer}; got {ShutdownGracePeriod}.";
        }

        if (TargetBatchDuration < TimeSpan.FromMilliseconds(1) || TargetBatchDuration > TimeSpan.FromSeconds(10))
        {
            yield return $"{prefix}TargetBatchDuration must be between 1 millisecond and 10 seconds, e.g. 00:00:00.020; got {TargetBatchDuration}.";
        }

        if (WorkerHost is { } host && string.IsNullOrWhiteSpace(host.FileName))
        {
            yield return $"{prefix}WorkerHost.FileName must name the program that starts a worker (it receives --pipe and --max-frame); it is empty. Leave WorkerHost null to start workers with dotnet exec.";
        }

        if (Serializer is { } factory)
        {
            string? error = null;
            try
            {
                WorkIdentity.From(factory, nameof(Serializer));
            }
            catch (ArgumentException ex)
            {
                error = $"{prefix}Serializer must be a static method or a lambda that captures nothing, because every worker calls it too: {ex.Message}";
            }

            if (error is not null)
            {
                yield return error;
            }
        }

        foreach (var error in OptionsValidation.ProgressInterval(ProgressInterval, prefix))
        {
            yield return error;
        }
    }

    private static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(int.MaxValue);
}

/// <summary>The worker initializer: what to call, and its argument as JSON.</summary>
internal sealed record InitializerSpec(WorkIdentity Initializer, string? ArgumentType, string? ArgumentJson);
