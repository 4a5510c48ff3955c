using System.Text.Json;
using Concurrency.Strategies.Processes.Protocol;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Processes;

/// <summary>The test side of the protocol: JSON payloads in and out of frames, as the parent will send them.</summary>
internal static class FrameJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    public static ValueTask SendAsync<T>(this FrameWriter writer, FrameType type, T message) =>
        writer.WriteAsync(type, JsonSerializer.SerializeToUtf8Bytes(message, Options));

    public static async Task<T> ReceiveAsync<T>(this FrameReader reader, FrameType expected)
    {
        var frame = (await reader.ReadAsync().AsTask().WaitAsync(HangGuard))!.Value;
        frame.Type.Should().Be(expected);
        return JsonSerializer.Deserialize<T>(frame.Payload.Span, Options)!;
    }
}
