using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Channels;
using Concurrency.Strategies.Processes.Protocol;
using Concurrency.Strategies.Telemetry;
using Microsoft.Extensions.Logging;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// One child process and its two pipes. Leased to one lane at a time: that lane sends batches and reads their
/// results in order. A reader task turns every Results frame into an entry of <see cref="ReadResultsAsync"/> and,
/// when the child dies or breaks the protocol, completes it with a <see cref="WorkerDiedException"/> that says how.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The pipes are disposed when the worker is stopped (KillAsync, ShutdownAsync); the pool stops every worker it started.")]
internal sealed class WorkerProcess
{
    private const int StandardErrorTailLines = 64;

    private readonly Process _process;
    private readonly NamedPipeServerStream _pipe;
    private readonly CancellationTokenSource _exited = new();
    private readonly FrameWriter _writer;
    private readonly FrameReader _reader;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _results = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly ConcurrentQueue<string> _stderrTail = new();
    private readonly TaskCompletionSource<WorkerExit> _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StartMessage? _bound;
    private string? _killReason;
    private RemoteError? _failure;
    private long _lastMemoryCheck;
    private int _ended;
    private int _disposed;

    private WorkerProcess(int id, Process process, NamedPipeServerStream pipe, int maxFrameBytes, ILogger logger)
    {
        Id = id;
        _process = process;
        ProcessId = process.Id;
        _pipe = pipe;
        _writer = new FrameWriter(pipe, maxFrameBytes);
        _reader = new FrameReader(pipe, maxFrameBytes, FrameFormat.WorkerStallTimeout);
        _logger = logger;
    }

    public int Id { get; }

    public int ProcessId { get; }

    /// <summary>Gets or sets the items sent to this worker so far (for <see cref="ProcessStrategyOptions.MaxItemsPerWorker"/>).</summary>
    public long Dispatched { get; set; }

    /// <summary>Gets or sets a value indicating whether the worker should get no more items and be replaced once its answers are in.</summary>
    public bool RecycleRequested { get; set; }

    /// <summary>Gets or sets when the worker last went idle (<see cref="TimeProvider"/> timestamp).</summary>
    public long IdleSince { get; set; }

    /// <summary>Gets a value indicating whether the process has exited (or its end is being reported): it must not be leased.</summary>
    public bool HasEnded => Volatile.Read(ref _ended) != 0 || _exited.IsCancellationRequested;

    /// <summary>
    /// Checks, before an idle worker is leased, that its process is still running: on Linux also from /proc, because
    /// the exit is reported asynchronously and a worker that died while idle must not be handed an item.
    /// </summary>
    public bool IsGone()
    {
        if (HasEnded)
        {
            return true;
        }

        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{ProcessId}/stat");
            var state = stat.AsSpan(stat.LastIndexOf(')') + 2, 1);
            return state is "Z" or "X";
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Completes with how the worker ended, whichever way it ended.</summary>
    public Task<WorkerExit> Exit => _exit.Task;

    /// <summary>Starts a worker and waits for its hello (and its initializer), or throws why it could not start.</summary>
    public static async Task<WorkerProcess> StartAsync(
        int id, WorkerLauncher launcher, ProcessStrategyOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();

        // One duplex pipe per worker: a named pipe is a Unix domain socket on Unix, so reads and writes are truly
        // asynchronous (an anonymous pipe would block a thread-pool thread per worker while it waits), and nothing
        // is inherited by other children. Only this user can connect.
        var pipeName = $"cs-{Environment.ProcessId}-{id}-{Guid.NewGuid():N}"[..40];
        var pipe = new NamedPipeServerStream(pipeName, PipeDirection.InOut, 1, PipeTransmissionMode.Byte, PipeOptions.Asynchronous | PipeOptions.CurrentUserOnly);
        Process process;
        try
        {
            process = new Process { StartInfo = launcher.StartInfo(pipeName), EnableRaisingEvents = true };
            process.Start();
        }
        catch (Exception ex)
        {
            await pipe.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"A worker process could not be started with '{launcher.Description}': {ex.Message}", ex);
        }

        var worker = new WorkerProcess(id, process, pipe, options.MaxFrameBytes, logger);
        worker.Attach();
        try
        {
            await worker.HandshakeAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await worker.KillAsync("it did not start").ConfigureAwait(false);
            throw;
        }

        // The reader ends when the child does, and reports it through the results channel; nothing awaits it.
        _ = worker.ReadLoopAsync();
        Log.WorkerStarted(logger, id, worker.ProcessId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return worker;
    }

    private void Attach()
    {
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                Log.WorkerStandardOutput(_logger, Id, line);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _stderrTail.Enqueue(line);
                while (_stderrTail.Count > StandardErrorTailLines && _stderrTail.TryDequeue(out var _))
                {
                }

                Log.WorkerStandardError(_logger, Id, line);
            }
        };
        _process.Exited += (_, _) => OnExited();
        if (_process.HasExited)
        {
            OnExited();
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.StandardInput.Close();
    }

    private async Task HandshakeAsync(ProcessStrategyOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        using var killOnTimeout = timeout.Token.UnsafeRegister(static s => ((WorkerProcess)s!).KillQuietly(), this);
        try
        {
            try
            {
                using var connectOrExit = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _exited.Token);
                await _pipe.WaitForConnectionAsync(connectOrExit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_exited.IsCancellationRequested && !timeout.IsCancellationRequested)
            {
                throw await StartFailureAsync(null, "before it connected").ConfigureAwait(false);
            }

            var hello = await _reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            if (hello is not { Type: FrameType.Hello })
            {
                throw await StartFailureAsync(hello, "before it said hello").ConfigureAwait(false);
            }

            if (options.Initializer is { } initializer)
            {
                await _writer.WriteAsync(
                    FrameType.Initialize,
                    JsonSerializer.SerializeToUtf8Bytes(new InitializeMessage(initializer.Initializer, initializer.ArgumentType, initializer.ArgumentJson), ProtocolJson.Default.InitializeMessage),
                    CancellationToken.None).ConfigureAwait(false);
                var ready = await _reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                if (ready is not { Type: FrameType.Ready })
                {
                    throw await StartFailureAsync(ready, $"in the worker initializer {initializer.Initializer.MethodDisplayName}").ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (timeout.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
            throw new InvalidOperationException(
                $"Worker {Id} (process {ProcessId}) did not start within ProcessStrategyOptions.StartTimeout ({options.StartTimeout}); it was killed. Raise StartTimeout if the initializer is slow.",
                ex);
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or InvalidDataException)
        {
            throw await StartFailureAsync(null, $"({ex.Message})").ConfigureAwait(false);
        }

        if (timeout.IsCancellationRequested)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<Exception> StartFailureAsync(Frame? frame, string when)
    {
        if (frame is { Type: FrameType.Failure } failure)
        {
            var error = JsonSerializer.Deserialize(failure.Payload.Span, ProtocolJson.Default.RemoteError)!;
            return new InvalidOperationException(
                $"Worker {Id} (process {ProcessId}) failed {when}: {error.Type}: {error.Message}",
                RemoteWorkException.From(error));
        }

        KillQuietly();
        var exit = await WaitForExitInfoAsync(null).ConfigureAwait(false);
        var tail = exit.StandardErrorTail.Count > 0 ? $" Standard error:{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", exit.StandardErrorTail)}" : string.Empty;
        return new InvalidOperationException(
            $"Worker {Id} (process {ProcessId}) ended {when} with exit code {exit.ExitCode}{(exit.Signal is null ? "" : $" ({exit.Signal})")}.{tail}");
    }

    /// <summary>Binds the work of a run; batches that follow use it.</summary>
    public async ValueTask BindAsync(StartMessage start, CancellationToken cancellationToken)
    {
        if (ReferenceEquals(_bound, start))
        {
            return;
        }

        // Recorded only once written: a Start frame that never went out must be sent again by the next run.
        _bound = null;
        await SendAsync(FrameType.Start, JsonSerializer.SerializeToUtf8Bytes(start, ProtocolJson.Default.StartMessage), cancellationToken).ConfigureAwait(false);
        _bound = start;
    }

    /// <summary>Sends a batch. A dead child is not an error here: <see cref="ReadResultsAsync"/> reports it.</summary>
    public ValueTask SendBatchAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => SendAsync(FrameType.Batch, payload, cancellationToken);

    private async ValueTask SendAsync(FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        try
        {
            await _writer.WriteAsync(type, payload, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // The child is gone (broken pipe); make sure the reader learns it.
            _killReason ??= $"its pipe broke ({ex.Message})";
            KillQuietly();
        }
        catch (ObjectDisposedException)
        {
            KillQuietly();
        }
    }

    /// <summary>Asks the worker to cancel the running item and answer the unstarted items sent so far as cancelled.</summary>
    public ValueTask SendCancelAsync() => SendAsync(FrameType.Cancel, ReadOnlyMemory<byte>.Empty, CancellationToken.None);

    /// <summary>The next Results payload of the batches sent, in order.</summary>
    /// <exception cref="WorkerDiedException">The worker died; its exit says how.</exception>
    public ValueTask<byte[]> ReadResultsAsync(CancellationToken cancellationToken) => _results.Reader.ReadAsync(cancellationToken);

    private async Task ReadLoopAsync()
    {
        string? reason = null;
        try
        {
            while (await _reader.ReadAsync(CancellationToken.None).ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case FrameType.Results:
                        _results.Writer.TryWrite(frame.Payload.ToArray());
                        break;
                    case FrameType.Failure:
                        _failure = JsonSerializer.Deserialize(frame.Payload.Span, ProtocolJson.Default.RemoteError);
                        break;
                    default:
                        reason = $"it sent an unexpected {frame.Type} frame";
                        KillQuietly();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or EndOfStreamException or ObjectDisposedException or JsonException)
        {
            reason = ex is ObjectDisposedException or IOException ? null : $"it sent a malformed frame: {ex.Message}";
            if (reason is not null)
            {
                _killReason ??= reason;
                Log.WorkerKilled(_logger, Id, ProcessId, reason);
            }

            KillQuietly();
        }

        var exit = await WaitForExitInfoAsync(reason).ConfigureAwait(false);
        _results.Writer.TryComplete(new WorkerDiedException(exit, _failure));
    }

    /// <summary>How the worker ended; computed once (whoever asks first), so the process is never read after disposal.</summary>
    private Task<WorkerExit> WaitForExitInfoAsync(string? reason)
    {
        var existing = Volatile.Read(ref _exitInfo);
        if (existing is not null)
        {
            return existing;
        }

        var computed = new TaskCompletionSource<WorkerExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _exitInfo, computed.Task, null) is { } winner)
        {
            return winner;
        }

        _ = ComputeExitAsync(reason, computed);
        return computed.Task;
    }

    private Task<WorkerExit>? _exitInfo;

    private async Task ComputeExitAsync(string? reason, TaskCompletionSource<WorkerExit> result)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The pipe ended but the process lives on (it closed its pipe, or it is frozen): it cannot serve anymore.
            KillQuietly();
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Unkillable (uninterruptible sleep); report what we know.
            }
        }

        int? code = null;
        try
        {
            code = _process.HasExited ? _process.ExitCode : null;
        }
        catch (InvalidOperationException)
        {
            // Not available.
        }

        var exit = new WorkerExit(Id, ProcessId, code, SignalName(code), _stderrTail.ToArray(), _killReason ?? reason);
        Volatile.Write(ref _ended, 1);
        _exit.TrySetResult(exit);
        result.TrySetResult(exit);
    }

    private void OnExited()
    {
        _exited.Cancel();

        // If the pipe stays open after the exit (a grandchild holds the socket), stop reading shortly after.
        _ = Task.Delay(TimeSpan.FromMilliseconds(500)).ContinueWith(
            static (_, s) =>
            {
                var worker = (WorkerProcess)s!;
                if (!worker._results.Reader.Completion.IsCompleted)
                {
                    worker._pipe.Dispose();
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>True when the worker's resident memory is above <paramref name="limit"/>; reads it at most once a second.</summary>
    public bool MemoryAbove(long limit)
    {
        var now = Environment.TickCount64;
        if (now - _lastMemoryCheck < 1000)
        {
            return false;
        }

        _lastMemoryCheck = now;
        try
        {
            _process.Refresh();
            return _process.WorkingSet64 > limit;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Kills the worker (its whole process tree) and waits until it has exited.</summary>
    public async Task KillAsync(string reason)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (!HasEnded)
        {
            _killReason ??= reason;
            Log.WorkerKilled(_logger, Id, ProcessId, reason);
        }

        KillQuietly();
        await WaitForExitInfoAsync(reason).ConfigureAwait(false);
        DisposePipes();
    }

    /// <summary>Asks the worker to exit after what it runs; kills it if it has not exited within <paramref name="grace"/>.</summary>
    public async Task ShutdownAsync(TimeSpan grace, string reason)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _killReason ??= reason;
        await SendAsync(FrameType.Shutdown, ReadOnlyMemory<byte>.Empty, CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _process.WaitForExitAsync().WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.WorkerKilled(_logger, Id, ProcessId, $"it did not exit within the grace period of {grace}");
            KillQuietly();
        }

        await WaitForExitInfoAsync(reason).ConfigureAwait(false);
        DisposePipes();
    }

    private void KillQuietly()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already exited.
        }
    }

    private void DisposePipes()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writer.Dispose();
        _pipe.Dispose();
        _process.Dispose();
        _exited.Dispose();
    }

    internal static string? SignalName(int? exitCode)
    {
        if (exitCode is not > 128 || RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            return null;
        }

        return (exitCode - 128) switch
        {
            1 => "SIGHUP",
            2 => "SIGINT",
            3 => "SIGQUIT",
            4 => "SIGILL",
            5 => "SIGTRAP",
            6 => "SIGABRT",
            7 => "SIGBUS",
            8 => "SIGFPE",
            9 => "SIGKILL",
            11 => "SIGSEGV",
            13 => "SIGPIPE",
            14 => "SIGALRM",
            15 => "SIGTERM",
            var n => $"signal {n}",
        };
    }
}

/// <summary>A worker ended while a lane waited for its results; <see cref="Exit"/> says how.</summary>
internal sealed class WorkerDiedException(WorkerExit exit, RemoteError? failure)
    : Exception($"Worker {exit.WorkerId} (process {exit.ProcessId}) ended with exit code {exit.ExitCode}.")
{
    public WorkerExit Exit { get; } = exit;

    /// <summary>Gets what the worker reported before it exited on purpose (the work could not be resolved), if anything.</summary>
    public RemoteError? Failure { get; } = failure;
}
