using System.Buffers.Binary;
using System.Text.Json;

namespace Concurrency.Strategies.Processes.Protocol;

/// <summary>
/// The binary layout of the hot-path frames (all integers little-endian):
/// <list type="bullet">
/// <item><see cref="FrameType.Batch"/>: <c>int64 batchId, int32 count</c>, then per item <c>int64 index, int32 length, bytes</c> (the item as the serializer wrote it).</item>
/// <item><see cref="FrameType.Results"/>: <c>int64 batchId, int32 count</c>, then per item <c>int64 index, byte kind, int64 durationTicks, int32 length, bytes</c>;
/// kind 0: the serialized result, kind 1: a <see cref="RemoteError"/> as JSON. A worker may answer one batch with
/// several Results frames (it flushes a slow batch as it goes); they come in item order.</item>
/// </list>
/// A reader checks every length against what is left of the payload, so a corrupt frame ends in an
/// <see cref="InvalidDataException"/>, never in an out-of-range read.
/// </summary>
internal static class BatchCodec
{
    public const int HeaderSize = 12;

    public const int ItemOverhead = 12;

    public const int ResultOverhead = 21;

    public const byte ValueKind = 0;

    public const byte ErrorKind = 1;

    /// <summary>Starts a batch or results payload; returns the offset of its count, for <see cref="FrameBuffer.PatchInt32"/>.</summary>
    public static int BeginFrame(FrameBuffer buffer, long batchId)
    {
        buffer.Clear();
        buffer.WriteInt64(batchId);
        return buffer.ReserveInt32();
    }

    public static byte[] SerializeError(RemoteError error) => JsonSerializer.SerializeToUtf8Bytes(error, ProtocolJson.Default.RemoteError);

    public static RemoteError DeserializeError(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize(json, ProtocolJson.Default.RemoteError) ?? throw new InvalidDataException("An error entry of a Results frame was empty.");

    /// <summary>Reads the header of a Batch or Results payload.</summary>
    public static (long BatchId, int Count) ReadHeader(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderSize)
        {
            throw new InvalidDataException($"A batch or results frame of {payload.Length} bytes is shorter than its {HeaderSize}-byte header.");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(payload[8..]);
        if (count < 0 || count > (payload.Length - HeaderSize) / ItemOverhead)
        {
            throw new InvalidDataException($"A batch or results frame claims {count} entries, which cannot fit in its {payload.Length} bytes.");
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(payload), count);
    }

    /// <summary>Reads one batch item at <paramref name="offset"/> and moves past it.</summary>
    public static (long Index, ReadOnlyMemory<byte> Value) ReadItem(ReadOnlyMemory<byte> payload, ref int offset)
    {
        var span = payload.Span;
        Need(span, offset, ItemOverhead, "a batch item header");
        var index = BinaryPrimitives.ReadInt64LittleEndian(span[offset..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 8)..]);
        offset += ItemOverhead;
        Need(span, offset, length, $"item {index}'s value");
        var value = payload.Slice(offset, length);
        offset += length;
        return (index, value);
    }

    /// <summary>Reads one result entry at <paramref name="offset"/> and moves past it.</summary>
    public static (long Index, byte Kind, long DurationTicks, ReadOnlyMemory<byte> Data) ReadResult(ReadOnlyMemory<byte> payload, ref int offset)
    {
        var span = payload.Span;
        Need(span, offset, ResultOverhead, "a result header");
        var index = BinaryPrimitives.ReadInt64LittleEndian(span[offset..]);
        var kind = span[offset + 8];
        var duration = BinaryPrimitives.ReadInt64LittleEndian(span[(offset + 9)..]);
        var length = BinaryPrimitives.ReadInt32LittleEndian(span[(offset + 17)..]);
        offset += ResultOverhead;
        if (kind > ErrorKind)
        {
            throw new InvalidDataException($"The result of item {index} has an unknown kind {kind}.");
        }

        Need(span, offset, length, $"item {index}'s result");
        var data = payload.Slice(offset, length);
        offset += length;
        return (index, kind, duration, data);
    }

    private static void Need(ReadOnlySpan<byte> span, int offset, int length, string what)
    {
        if (length < 0 || offset + (long)length > span.Length)
        {
            throw new InvalidDataException($"A frame is truncated or corrupt: {what} needs {length} bytes at offset {offset}, but the payload has {span.Length}.");
        }
    }
}
