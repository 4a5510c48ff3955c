namespace Concurrency.Strategies.Processes;

/// <summary>
/// An item or a result could not cross the process boundary: the serializer could not write or read it. The
/// message names the type, the item's index and the serializer's own reason; <see cref="Exception.InnerException"/>
/// is the serializer's exception when it happened in this process.
/// </summary>
public sealed class WorkSerializationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="WorkSerializationException"/> class.</summary>
    public WorkSerializationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkSerializationException"/> class with a message.</summary>
    /// <param name="message">What could not be converted, and why.</param>
    public WorkSerializationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkSerializationException"/> class with a message and the serializer's exception.</summary>
    /// <param name="message">What could not be converted, and why.</param>
    /// <param name="innerException">The serializer's exception.</param>
    public WorkSerializationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
