using System.Text.Json;
using Concurrency.Strategies.Processes.Protocol;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Processes;

/// <summary>The test side of the protocol: JSON control frames, and binary batches and results, as the parent sends and reads them.</summary>
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

    /// <summary>A Batch payload whose items are <paramref name="values"/> as JSON, indexed from 0.</summary>
    public static byte[] Batch(long id, params object[] values)
    {
        var buffer = new FrameBuffer();
        var countOffset = BatchCodec.BeginFrame(buffer, id);
        for (var i = 0; i < values.Length; i++)
        {
            buffer.WriteInt64(i);
            var json = JsonSerializer.SerializeToUtf8Bytes(values[i], values[i].GetType(), Options);
            buffer.WriteInt32(json.Length);
            buffer.Write(json);
        }

        buffer.PatchInt32(countOffset, values.Length);
        return buffer.WrittenSpan.ToArray();
    }

    public static ValueTask SendBatchAsync(this FrameWriter writer, long id, params object[] values) =>
        writer.WriteAsync(FrameType.Batch, Batch(id, values));

    /// <summary>Reads Results frames until <paramref name="expected"/> results of batch <paramref name="batchId"/> have come.</summary>
    public static async Task<IReadOnlyList<TestResult>> ReceiveResultsAsync(this FrameReader reader, long batchId, int expected)
    {
        var results = new List<TestResult>();
        while (results.Count < expected)
        {
            var frame = (await reader.ReadAsync().AsTask().WaitAsync(HangGuard))!.Value;
            frame.Type.Should().Be(FrameType.Results);
            var (id, count) = BatchCodec.ReadHeader(frame.Payload.Span);
            id.Should().Be(batchId);
            var offset = BatchCodec.HeaderSize;
            for (var i = 0; i < count; i++)
            {
                var (index, kind, duration, data) = BatchCodec.ReadResult(frame.Payload, ref offset);
                results.Add(kind == BatchCodec.ValueKind
                    ? new TestResult(index, JsonDocument.Parse(data).RootElement.Clone(), null, duration)
                    : new TestResult(index, null, BatchCodec.DeserializeError(data.Span), duration));
            }
        }

        return results;
    }
}

/// <summary>One decoded result entry.</summary>
internal sealed record TestResult(long Index, JsonElement? Value, RemoteError? Error, long DurationTicks);
