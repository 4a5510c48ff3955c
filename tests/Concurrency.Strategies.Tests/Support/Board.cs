using System.IO.MemoryMappedFiles;

namespace Concurrency.Strategies.Tests.Support;

/// <summary>
/// Test state that work can reach from any process: counters, flags, a work tracker and per-item counts in a
/// memory-mapped file. Contract-test work is static (the process strategy requires it) and finds the board of
/// its test through <see cref="Current"/>: an <see cref="AsyncLocal{T}"/> in this process (it flows into thread
/// and async work), or the file named by <see cref="EnvironmentVariable"/> in a worker process.
/// </summary>
internal sealed class Board : IDisposable
{
    public const string EnvironmentVariable = "CONCURRENCY_STRATEGIES_TEST_BOARD";

    private const int Slots = 8_192;
    private const int PidEntries = 64;

    // Layout (longs): [0] started, [1] max running, [2..63] named counters and flags, [64..191] pid/running pairs,
    // [256..] per-item counts.
    private const int StartedSlot = 0;
    private const int MaxRunningSlot = 1;
    private const int PidBase = 64;
    private const int ItemBase = 256;

    private static readonly AsyncLocal<Board?> Local = new();
    private static Board? s_fromEnvironment;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly nint _base;
    private readonly bool _owner;

    private unsafe Board(string path, bool owner)
    {
        Path = path;
        _owner = owner;
        _file = MemoryMappedFile.CreateFromFile(path, owner ? FileMode.CreateNew : FileMode.Open, null, Slots * sizeof(long));
        _view = _file.CreateViewAccessor();
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = (nint)(pointer + _view.PointerOffset);
    }

    /// <summary>The largest item index with its own count.</summary>
    public const int MaxItem = Slots - ItemBase - 1;

    public string Path { get; }

    /// <summary>
    /// Gets or sets the board that work on threads this test did not start sees (an in-process Orleans silo's threads,
    /// where the test's async flow does not reach). Process-wide: only tests of one xunit collection may set it.
    /// </summary>
    public static Board? Ambient { get; set; }

    /// <summary>Gets the board of the running test, in this process (its async flow, or <see cref="Ambient"/>) or in a worker.</summary>
    public static Board Current =>
        Local.Value
        ?? Ambient
        ?? s_fromEnvironment
        ?? (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } path
            ? s_fromEnvironment = new Board(path, owner: false)
            : throw new InvalidOperationException("No test board: create one with Board.Create() in the test."));

    /// <summary>Creates a fresh board for one test and makes it <see cref="Current"/> for the test's async flow.</summary>
    public static Board Create()
    {
        var directory = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        var board = new Board(System.IO.Path.Combine(directory, $"cs-test-board-{Guid.NewGuid():N}"), owner: true);
        Local.Value = board;
        return board;
    }

    public long Add(int slot, long delta = 1) => Interlocked.Add(ref Slot(Named(slot)), delta);

    public long Read(int slot) => Volatile.Read(ref Slot(Named(slot)));

    public void Set(int slot, long value) => Volatile.Write(ref Slot(Named(slot)), value);

    /// <summary>Sets a flag (a named slot) that <see cref="WaitAsync"/> or <see cref="Wait"/> wait for.</summary>
    public void Signal(int flag) => Set(flag, 1);

    public bool IsSet(int flag) => Read(flag) != 0;

    /// <summary>Waits until <paramref name="flag"/> is set, polling every millisecond; throws after <see cref="TestSupport.HangGuard"/>.</summary>
    public async Task WaitAsync(int flag, CancellationToken cancellationToken = default)
    {
        var deadline = Environment.TickCount64 + (long)TestSupport.HangGuard.TotalMilliseconds;
        while (!IsSet(flag))
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"Board flag {flag} was not set within {TestSupport.HangGuard}.");
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>Blocks until <paramref name="flag"/> is set; returns <see langword="false"/> after <see cref="TestSupport.HangGuard"/>.</summary>
    public bool Wait(int flag, CancellationToken cancellationToken = default)
    {
        var deadline = Environment.TickCount64 + (long)TestSupport.HangGuard.TotalMilliseconds;
        while (!IsSet(flag))
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(1);
        }

        return true;
    }

    /// <summary>Counts one more run of <paramref name="item"/>; returns how many times it has run.</summary>
    public long CountItem(int item) => Interlocked.Increment(ref Slot(ItemBase + CheckItem(item)));

    public long ItemCount(int item) => Volatile.Read(ref Slot(ItemBase + CheckItem(item)));

    public int Started => (int)Volatile.Read(ref Slot(StartedSlot));

    public int MaxRunning => (int)Volatile.Read(ref Slot(MaxRunningSlot));

    /// <summary>Gets the work running now, in processes that are still alive (a killed worker runs nothing).</summary>
    public int Running
    {
        get
        {
            long total = 0;
            for (var i = 0; i < PidEntries; i++)
            {
                var pid = Volatile.Read(ref Slot(PidBase + (2 * i)));
                if (pid != 0 && (pid == Environment.ProcessId || ChildProcesses.IsAlive((int)pid)))
                {
                    total += Volatile.Read(ref Slot(PidBase + (2 * i) + 1));
                }
            }

            return (int)total;
        }
    }

    /// <summary>Work begins: counts it as started and running; returns how many run now, across processes.</summary>
    public int Enter()
    {
        Interlocked.Increment(ref Slot(StartedSlot));
        Interlocked.Increment(ref Slot(PidBase + (2 * MyEntry()) + 1));
        var now = Running;
        long seen;
        while (now > (seen = Volatile.Read(ref Slot(MaxRunningSlot))) && Interlocked.CompareExchange(ref Slot(MaxRunningSlot), now, seen) != seen)
        {
        }

        return now;
    }

    public void Exit() => Interlocked.Decrement(ref Slot(PidBase + (2 * MyEntry()) + 1));

    /// <summary>Work that runs until its token is cancelled (or its process is killed), counted while it runs.</summary>
    public async ValueTask<T> RunUntilCancelledAsync<T>(T result, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return result;
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> items run at once (polling).</summary>
    public async Task WhenRunning(int count)
    {
        var deadline = Environment.TickCount64 + (long)TestSupport.HangGuard.TotalMilliseconds;
        while (Running < count)
        {
            if (Environment.TickCount64 > deadline)
            {
                throw new TimeoutException($"{count} items never ran at once (at most {MaxRunning}).");
            }

            await Task.Delay(1);
        }
    }

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
        if (_owner)
        {
            if (ReferenceEquals(Local.Value, this))
            {
                Local.Value = null;
            }

            if (ReferenceEquals(Ambient, this))
            {
                Ambient = null;
            }

            File.Delete(Path);
        }
    }

    private int MyEntry()
    {
        var pid = Environment.ProcessId;
        for (var i = 0; i < PidEntries; i++)
        {
            ref var slot = ref Slot(PidBase + (2 * i));
            var current = Volatile.Read(ref slot);
            if (current == pid || (current == 0 && Interlocked.CompareExchange(ref slot, pid, 0) == 0))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"More than {PidEntries} processes used one test board.");
    }

    private unsafe ref long Slot(int index) => ref ((long*)_base)[index];

    private static int Named(int slot) => slot is >= 2 and < PidBase ? slot : throw new ArgumentOutOfRangeException(nameof(slot), slot, "Named slots are 2..63.");

    private static int CheckItem(int item) => item is >= 0 and <= MaxItem ? item : throw new ArgumentOutOfRangeException(nameof(item), item, $"Per-item counts go up to {MaxItem}.");
}
