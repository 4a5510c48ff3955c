using System.Buffers;
using System.Buffers.Binary;

namespace Concurrency.Strategies.Processes.Protocol;

/// <summary>
/// A growable byte buffer for building one frame payload: an <see cref="IBufferWriter{T}"/> for serializers, plus
/// fixed-size fields and length slots patched after the variable part is written. Reused between frames.
/// </summary>
internal sealed class FrameBuffer : IBufferWriter<byte>
{
    private byte[] _buffer;
    private int _length;

    public FrameBuffer(int initialCapacity = 4096)
    {
        _buffer = new byte[initialCapacity];
    }

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    /// <summary>Forgets everything written after <paramref name="length"/> (rolls back a partly written entry).</summary>
    public void Truncate(int length) => _length = length;

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(GetSpan(4), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(GetSpan(8), value);
        _length += 8;
    }

    public void WriteByte(byte value)
    {
        GetSpan(1)[0] = value;
        _length++;
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Reserves an <see cref="int"/> to patch later with <see cref="PatchInt32"/>; returns its offset.</summary>
    public int ReserveInt32()
    {
        var offset = _length;
        WriteInt32(0);
        return offset;
    }

    public void PatchInt32(int offset, int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(offset, 4), value);

    private void Ensure(int sizeHint)
    {
        var needed = _length + Math.Max(sizeHint, 1);
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, (int)Math.Min(Array.MaxLength, _buffer.Length * 2L)));
        }
    }
}
