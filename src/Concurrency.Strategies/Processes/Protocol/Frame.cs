namespace Concurrency.Strategies.Processes.Protocol;

/// <summary>One frame. <see cref="Payload"/> stays valid only until the next read from the same <see cref="FrameReader"/>.</summary>
internal readonly record struct Frame(FrameType Type, ReadOnlyMemory<byte> Payload);
