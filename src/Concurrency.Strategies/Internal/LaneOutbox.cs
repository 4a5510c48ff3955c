using System.Collections.Concurrent;

namespace Concurrency.Strategies.Internal;

/// <summary>
/// A lane's outcomes on their way to the consumer: a single-producer (the lane) single-consumer (the run's
/// consumer) ring. The lane adds each outcome as its item finishes, with one array store and one release write,
/// and the consumer can always take it, so no outcome waits behind a slow item of the same chunk.
/// </summary>
/// <remarks>
/// When the consumer lags a full ring behind, the lane links a ring twice the size and goes on there; the
/// consumer finishes the old ring first, so order is kept. The run's window bounds how far anything can lag,
/// so rings stop growing at that size and the steady state allocates nothing.
/// </remarks>
internal sealed class LaneOutbox<T>
{
    /// <summary>The first ring of a lane among few: room for a chunk's outcomes without growing.</summary>
    public const int FewLanesCapacity = 64;

    /// <summary>
    /// The first ring of a lane among many (async runs with thousands in flight): each lane holds an outcome or two at
    /// a time, and 64 slots per lane cost ~3 KB per pending item (bench `micro`, PendingMemoryBenchmarks).
    /// </summary>
    public const int ManyLanesCapacity = 4;
    private readonly ConcurrentQueue<LaneOutbox<T>>? _ready;
    private Ring _producerRing;
    private Ring _consumerRing;
    private long _cachedHead;
    private int _queued;

    /// <summary>Initializes a new instance of the <see cref="LaneOutbox{T}"/> class.</summary>
    /// <param name="ready">Where the outbox announces itself when it has something after being drained, so the
    /// consumer visits only outboxes with outcomes, however many lanes there are; <see langword="null"/> when the
    /// lanes are few and the consumer simply sweeps them all (cheaper per item).</param>
    /// <param name="capacity">The first ring's size, a power of two; it doubles when the consumer lags a full ring behind.</param>
    public LaneOutbox(ConcurrentQueue<LaneOutbox<T>>? ready, int capacity = FewLanesCapacity)
    {
        _ready = ready;
        _producerRing = _consumerRing = new Ring(capacity);
    }

    /// <summary>Gets a racy hint that the consumer has something to take.</summary>
    public bool HasItems
    {
        get
        {
            var ring = _consumerRing;
            return Volatile.Read(ref ring.Tail) != Volatile.Read(ref ring.Head) || Volatile.Read(ref ring.Next) is not null;
        }
    }

    /// <summary>Adds an outcome and announces the outbox unless it is already announced; lane only.</summary>
    /// <remarks>
    /// The flag is read without a full fence, so in a rare interleaving an outbox the consumer just cleared is not
    /// announced again; the consumer's full sweep (<see cref="HasItems"/>) on its backstop and at the end of the
    /// run finds such outcomes.
    /// </remarks>
    public void Add(in T outcome)
    {
        Write(outcome);
        if (_ready is not null && Volatile.Read(ref _queued) == 0 && Interlocked.Exchange(ref _queued, 1) == 0)
        {
            _ready.Enqueue(this);
        }
    }

    /// <summary>Clears the announcement before a drain, so an outcome added during the drain announces again.</summary>
    public void TakeAnnouncement() => Interlocked.Exchange(ref _queued, 0);

    private void Write(in T outcome)
    {
        var ring = _producerRing;
        var tail = ring.Tail;
        if (tail - _cachedHead == ring.Slots.Length)
        {
            _cachedHead = Volatile.Read(ref ring.Head);
            if (tail - _cachedHead == ring.Slots.Length)
            {
                var bigger = new Ring(ring.Slots.Length * 2);
                bigger.Slots[0] = outcome;
                bigger.Tail = 1;
                Volatile.Write(ref ring.Next, bigger);
                _producerRing = bigger;
                _cachedHead = 0;
                return;
            }
        }

        ring.Slots[tail & (ring.Slots.Length - 1)] = outcome;
        Volatile.Write(ref ring.Tail, tail + 1);
    }

    /// <summary>Moves every available outcome into <paramref name="target"/>; consumer only.</summary>
    public void DrainInto(List<T> target)
    {
        while (true)
        {
            var ring = _consumerRing;
            var head = ring.Head;
            var tail = Volatile.Read(ref ring.Tail);
            var mask = ring.Slots.Length - 1;
            for (; head < tail; head++)
            {
                ref var slot = ref ring.Slots[head & mask];
                target.Add(slot);
                slot = default!;
            }

            Volatile.Write(ref ring.Head, head);
            var next = Volatile.Read(ref ring.Next);
            if (next is null)
            {
                return;
            }

            // The lane links the next ring only after its last write here; re-read the tail before moving on.
            if (Volatile.Read(ref ring.Tail) == head)
            {
                _consumerRing = next;
            }
        }
    }

    private sealed class Ring(int capacity)
    {
        public readonly T[] Slots = new T[capacity];
        public long Tail;
        public long Head;
        public Ring? Next;
    }
}
