using System.Buffers.Binary;

namespace Concurrency.Strategies.Processes.Protocol;

/// <summary>
/// Reads whole frames from a pipe. A clean end of the stream between frames returns <see langword="null"/>
/// (the other side closed); anything else that is not a well-formed frame throws at once, naming what was wrong,
/// so a broken peer ends in a clear error and never in a hang or an unbounded allocation.
/// </summary>
internal sealed class FrameReader
{
    private readonly Stream _stream;
    private readonly int _maxPayloadBytes;
    private readonly TimeSpan? _stallTimeout;
    private readonly byte[] _header = new byte[FrameFormat.HeaderSize];
    private byte[] _payload = new byte[4096];

    /// <param name="stream">The pipe.</param>
    /// <param name="maxPayloadBytes">The largest payload accepted.</param>
    /// <param name="stallTimeout">
    /// How long the peer may send nothing in the middle of a frame (the timer restarts with every read that brings
    /// bytes), or <see langword="null"/> to wait as long as it takes. Waiting for a frame to begin is never limited (an
    /// idle peer is silent).
    /// </param>
    public FrameReader(Stream stream, int maxPayloadBytes = FrameFormat.DefaultMaxPayloadBytes, TimeSpan? stallTimeout = null)
    {
        _stream = stream;
        _maxPayloadBytes = maxPayloadBytes;
        _stallTimeout = stallTimeout;
    }

    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    /// <exception cref="InvalidDataException">The header claims a negative or too large length, or an unknown type, or the frame stalled.</exception>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken = default)
    {
        // The first bytes may take as long as the peer likes; inside a frame, no read may wait longer than the stall timeout.
        var headerRead = await _stream.ReadAsync(_header, cancellationToken).ConfigureAwait(false);
        if (headerRead == 0)
        {
            return null;
        }

        return await ReadRestAsync(headerRead, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<Frame?> ReadRestAsync(int headerRead, CancellationToken cancellationToken)
    {
        headerRead += await ReadFullyAsync(_header.AsMemory(headerRead), cancellationToken).ConfigureAwait(false);

        if (headerRead < FrameFormat.HeaderSize)
        {
            throw new EndOfStreamException($"The stream ended inside a frame header ({headerRead} of {FrameFormat.HeaderSize} bytes): the other side died or wrote a partial frame.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(_header);
        var type = (FrameType)_header[4];
        if (!FrameFormat.IsKnown(type))
        {
            throw new InvalidDataException($"Unknown frame type 0x{_header[4]:x2} (payload length field {length}): the stream is corrupt or the peer speaks another protocol version.");
        }

        if (length < 0 || length > _maxPayloadBytes)
        {
            throw new InvalidDataException($"A {type} frame claims {length:N0} bytes, outside 0..{_maxPayloadBytes:N0} (the maximum frame size): the stream is corrupt.");
        }

        if (_payload.Length < length)
        {
            _payload = new byte[Math.Max(length, Math.Min(_payload.Length * 2, _maxPayloadBytes))];
        }

        var payloadRead = await ReadFullyAsync(_payload.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        if (payloadRead < length)
        {
            throw new EndOfStreamException($"The stream ended inside a {type} frame ({payloadRead:N0} of {length:N0} payload bytes): the other side died or wrote a partial frame.");
        }

        return new Frame(type, _payload.AsMemory(0, length));
    }

    private async ValueTask<int> ReadFullyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var pending = _stream.ReadAsync(buffer[total..], cancellationToken);
            int read;
            if (_stallTimeout is { } limit && !pending.IsCompleted)
            {
                // Inside a frame, and the next bytes are not there yet: they must come within the stall timeout. Only
                // this slow path pays for a timer; a frame whose bytes are already in the pipe costs nothing extra.
                try
                {
                    read = await pending.AsTask().WaitAsync(limit, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw new InvalidDataException(
                        $"The peer stopped in the middle of a frame and sent no more bytes for {limit.TotalSeconds:0.#} s: it is stuck or broken (a peer writes each frame without pausing).");
                }
            }
            else
            {
                read = await pending.ConfigureAwait(false);
            }

            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
