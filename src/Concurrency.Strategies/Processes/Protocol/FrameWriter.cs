using System.Buffers.Binary;

namespace Concurrency.Strategies.Processes.Protocol;

/// <summary>Writes whole frames to a pipe; concurrent writers are serialized so frames never interleave.</summary>
internal sealed class FrameWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly int _maxPayloadBytes;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _header = new byte[FrameFormat.HeaderSize];

    /// <summary>Frames up to this size are written with one call.</summary>
    private const int SingleWriteLimit = 64 * 1024;

    public FrameWriter(Stream stream, int maxPayloadBytes = FrameFormat.DefaultMaxPayloadBytes)
    {
        _stream = stream;
        _maxPayloadBytes = maxPayloadBytes;
    }

    /// <remarks>
    /// <paramref name="cancellationToken"/> cancels only the wait for the writer lock: once a frame starts it is written
    /// whole, so a cancelled run never leaves half a frame in a worker's pipe.
    /// </remarks>
    /// <exception cref="InvalidDataException">The payload is larger than the maximum frame size.</exception>
    public async ValueTask WriteAsync(FrameType type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        if (payload.Length > _maxPayloadBytes)
        {
            throw new InvalidDataException(
                $"A {type} frame of {payload.Length:N0} bytes exceeds the maximum frame size of {_maxPayloadBytes:N0} bytes. "
                + "Send smaller items or batches, or raise the maximum frame size in the process strategy's options.");
        }

        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(_header, payload.Length);
            _header[4] = (byte)type;
            if (payload.Length <= SingleWriteLimit)
            {
                // One write (one system call) for a small frame: the header and the payload together.
                var frame = System.Buffers.ArrayPool<byte>.Shared.Rent(FrameFormat.HeaderSize + payload.Length);
                try
                {
                    _header.CopyTo(frame, 0);
                    payload.Span.CopyTo(frame.AsSpan(FrameFormat.HeaderSize));
                    await _stream.WriteAsync(frame.AsMemory(0, FrameFormat.HeaderSize + payload.Length), CancellationToken.None).ConfigureAwait(false);
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(frame);
                }
            }
            else
            {
                await _stream.WriteAsync(_header, CancellationToken.None).ConfigureAwait(false);
                await _stream.WriteAsync(payload, CancellationToken.None).ConfigureAwait(false);
            }

            await _stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose() => _writeLock.Dispose();
}
