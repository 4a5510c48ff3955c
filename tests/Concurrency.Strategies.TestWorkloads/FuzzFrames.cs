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
}
