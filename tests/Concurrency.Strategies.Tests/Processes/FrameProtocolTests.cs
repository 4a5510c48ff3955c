using System.Buffers.Binary;
using System.IO.Pipes;
using Concurrency.Strategies.Processes.Protocol;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Processes;

public sealed class FrameProtocolTests
{
    private static byte[] Bytes(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(i + seed)).ToArray();

    private static byte[] Header(int length, byte type)
    {
        var header = new byte[FrameFormat.HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        header[4] = type;
        return header;
    }

    [Fact]
    public async Task WriteThenRead_SeveralFrames_RoundTripsTypesAndPayloadsThenEndsCleanly()
    {
        var stream = new MemoryStream();
        using var writer = new FrameWriter(stream);
        await writer.WriteAsync(FrameType.Hello, Bytes(3, 1));
        await writer.WriteAsync(FrameType.Batch, Bytes(10_000, 7));
        await writer.WriteAsync(FrameType.Shutdown, ReadOnlyMemory<byte>.Empty);
        stream.Position = 0;
        var reader = new FrameReader(stream);

        var first = await reader.ReadAsync();
        first!.Value.Type.Should().Be(FrameType.Hello);
        first.Value.Payload.ToArray().Should().Equal(Bytes(3, 1));
        var second = await reader.ReadAsync();
        second!.Value.Type.Should().Be(FrameType.Batch);
        second.Value.Payload.ToArray().Should().Equal(Bytes(10_000, 7));
        var third = await reader.ReadAsync();
        third!.Value.Type.Should().Be(FrameType.Shutdown);
        third.Value.Payload.Length.Should().Be(0);
        (await reader.ReadAsync()).Should().BeNull("the stream ended between frames");
    }

    [Fact]
    public async Task ReadAsync_StreamEndsInsideTheHeader_ThrowsEndOfStream()
    {
        var reader = new FrameReader(new MemoryStream(Header(10, (byte)FrameType.Batch)[..3]));

        var act = async () => await reader.ReadAsync();

        (await act.Should().ThrowExactlyAsync<EndOfStreamException>()).WithMessage("*inside a frame header (3 of 5 bytes)*");
    }

    [Fact]
    public async Task ReadAsync_StreamEndsInsideThePayload_ThrowsEndOfStreamNamingTheCounts()
    {
        var reader = new FrameReader(new MemoryStream([.. Header(100, (byte)FrameType.Results), .. Bytes(40, 0)]));

        var act = async () => await reader.ReadAsync();

        (await act.Should().ThrowExactlyAsync<EndOfStreamException>()).WithMessage("*inside a Results frame (40 of 100 payload bytes)*");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1_025)]
    [InlineData(int.MaxValue)]
    public async Task ReadAsync_LengthOutsideTheLimit_ThrowsBeforeAllocating(int claimed)
    {
        var reader = new FrameReader(new MemoryStream(Header(claimed, (byte)FrameType.Batch)), maxPayloadBytes: 1_024);

        var act = async () => await reader.ReadAsync();

        (await act.Should().ThrowExactlyAsync<InvalidDataException>()).WithMessage($"*claims {claimed:N0} bytes, outside 0..1,024*");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(0xff)]
    public async Task ReadAsync_UnknownFrameType_ThrowsInvalidData(byte type)
    {
        var reader = new FrameReader(new MemoryStream(Header(0, type)));

        var act = async () => await reader.ReadAsync();

        (await act.Should().ThrowExactlyAsync<InvalidDataException>()).WithMessage($"Unknown frame type 0x{type:x2}*");
    }

    [Fact]
    public async Task WriteAsync_PayloadOverTheLimit_ThrowsAndWritesNothing()
    {
        var stream = new MemoryStream();
        using var writer = new FrameWriter(stream, maxPayloadBytes: 16);

        var act = async () => await writer.WriteAsync(FrameType.Batch, new byte[17]);

        (await act.Should().ThrowExactlyAsync<InvalidDataException>()).WithMessage("A Batch frame of 17 bytes exceeds the maximum frame size of 16 bytes*");
        stream.Length.Should().Be(0);
    }

    [Fact]
    public async Task ReadAsync_RandomGarbage_EndsInAFrameOrAClearErrorNeverAnythingElse()
    {
        // Deterministic fuzz: 2,000 random byte strings, some starting with a valid header.
        var random = new Random(20261125);
        for (var round = 0; round < 2_000; round++)
        {
            var garbage = new byte[random.Next(0, 64)];
            random.NextBytes(garbage);
            if (round % 3 == 0 && garbage.Length >= FrameFormat.HeaderSize)
            {
                BinaryPrimitives.WriteInt32LittleEndian(garbage, random.Next(0, 80));
                garbage[4] = (byte)random.Next(1, 7);
            }

            var reader = new FrameReader(new MemoryStream(garbage), maxPayloadBytes: 1_024);
            try
            {
                while (await reader.ReadAsync() is { } frame)
                {
                    FrameFormat.IsKnown(frame.Type).Should().BeTrue();
                    frame.Payload.Length.Should().BeInRange(0, 1_024);
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
            {
                ex.Message.Should().NotBeNullOrWhiteSpace();
            }
        }
    }

    [Fact]
    public async Task WriteAsync_ConcurrentWritersOverARealPipe_FramesNeverInterleave()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        using var writer = new FrameWriter(server);
        var reader = new FrameReader(client);

        var writes = Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(async () => await writer.WriteAsync(FrameType.Results, Bytes(1_000 + i, (byte)i)))));
        var seen = new List<int>();
        for (var i = 0; i < 50; i++)
        {
            var frame = (await reader.ReadAsync().AsTask().WaitAsync(HangGuard))!.Value;
            var length = frame.Payload.Length;
            var seed = (byte)(length - 1_000);
            frame.Payload.ToArray().Should().Equal(Bytes(length, seed), "each frame arrives whole");
            seen.Add(length - 1_000);
        }

        await writes;
        seen.Should().BeEquivalentTo(Enumerable.Range(0, 50));
    }

    [Fact]
    public async Task ReadAsync_PeerStopsInsideAFrame_ThrowsInvalidDataAfterTheStallTimeout()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var reader = new FrameReader(client, stallTimeout: TimeSpan.FromMilliseconds(200));

        // A header that promises 100 bytes, 10 of them, then silence with the pipe still open (a stuck peer).
        await server.WriteAsync(Header(100, (byte)FrameType.Results));
        await server.WriteAsync(Bytes(10, 0));
        await server.FlushAsync();
        var act = async () => await reader.ReadAsync().AsTask().WaitAsync(HangGuard);

        (await act.Should().ThrowExactlyAsync<InvalidDataException>()).WithMessage("*stopped in the middle of a frame*0.2 s*");
    }

    [Fact]
    public async Task ReadAsync_IdlePeer_IsNotTimedOutBeforeItsFrameBegins()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var reader = new FrameReader(client, stallTimeout: TimeSpan.FromMilliseconds(50));

        var read = reader.ReadAsync().AsTask();
        await Task.Delay(300); // six stall timeouts of silence before the frame starts: an idle worker, not a stuck one
        read.IsCompleted.Should().BeFalse();
        await server.WriteAsync((byte[])[.. Header(3, (byte)FrameType.Results), .. Bytes(3, 5)]);
        await server.FlushAsync();

        var frame = await read.WaitAsync(HangGuard);
        frame!.Value.Payload.ToArray().Should().Equal(Bytes(3, 5));
    }
}
