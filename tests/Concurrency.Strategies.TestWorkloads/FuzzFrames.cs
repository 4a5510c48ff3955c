using System.Buffers.Binary;

namespace Concurrency.Strategies.TestWorkloads;

/// <summary>
/// Byte sequences a broken peer might send, built from the wire format (a 4-byte little-endian payload length, a
/// type byte, the payload): truncated frames, lengths that are negative or far too large, unknown types, frames of a
/// known type out of order or with a payload that is not what the type promises, and plain random bytes.
/// </summary>
public static class FuzzFrames
{
    /// <summary>The frame types the protocol knows (Hello = 1 through Cancel).</summary>
    public const int KnownTypes = 9;

    public static byte[] Garbage(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var output = new List<byte>();
        var frames = 1 + random.Next(3);
        for (var i = 0; i < frames; i++)
        {
            output.AddRange(OneFrame(random));
        }

        return [.. output];
    }

    private static byte[] OneFrame(Random random)
    {
        var payload = new byte[random.Next(64)];
        random.NextBytes(payload);
        var type = (byte)(1 + random.Next(KnownTypes));
        var length = payload.Length;
        switch (random.Next(6))
        {
            case 0: // truncated: the header promises more than follows
                length = payload.Length + 1 + random.Next(1_000);
                break;
            case 1: // a negative or huge length
                length = random.Next(2) == 0 ? -1 - random.Next(int.MaxValue) : int.MaxValue - random.Next(1_000);
                break;
            case 2: // an unknown type
                type = (byte)(KnownTypes + 1 + random.Next(255 - KnownTypes));
                break;
            case 3: // a header cut short
                return [.. BitConverter.GetBytes(length)[..random.Next(1, 4)]];
            case 4: // random bytes
                return payload;
            default: // a well-formed frame of a known type whose payload is random (out of order, or not what the type promises)
                break;
        }

        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, length);
        frame[4] = type;
        payload.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>
    /// A well-formed Results frame that breaks the protocol's order: it answers another batch, or an item its batch
    /// does not hold, or the batch's second item before its first, twice. (A result for the right item in the right
    /// place is indistinguishable from a real answer, so it is not among these.) Built from the wire format (batch id, count; per result: index, kind,
    /// duration, length, value).
    /// </summary>
    public static byte[] OutOfOrderResults(Random random, long batchId, long firstIndex)
    {
        ArgumentNullException.ThrowIfNull(random);
        var (answered, indices) = random.Next(3) switch
        {
            0 => (batchId + 1 + random.Next(1_000), new[] { firstIndex }), // another batch
            1 => (batchId, new[] { firstIndex + 100_000 + random.Next(1_000) }), // an item not in the batch
            _ => (batchId, new[] { firstIndex + 1, firstIndex + 1 }), // the batch's second item first, and twice
        };
        var value = "4"u8.ToArray();
        var payload = new List<byte>();
        payload.AddRange(BitConverter.GetBytes(answered));
        payload.AddRange(BitConverter.GetBytes(indices.Length));
        foreach (var index in indices)
        {
            payload.AddRange(BitConverter.GetBytes(index));
            payload.Add(0); // a value
            payload.AddRange(BitConverter.GetBytes(1_000L));
            payload.AddRange(BitConverter.GetBytes(value.Length));
            payload.AddRange(value);
        }

        var frame = new byte[5 + payload.Count];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Count);
        frame[4] = 4; // Results
        payload.CopyTo(frame, 5);
        return frame;
    }
}
