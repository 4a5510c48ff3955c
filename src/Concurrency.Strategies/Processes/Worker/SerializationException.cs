namespace Concurrency.Strategies.Processes.Worker;

/// <summary>An item or a result could not cross the process boundary; the message names the type and the serializer's reason.</summary>
internal sealed class SerializationException(string message, Exception inner) : Exception(message, inner);
