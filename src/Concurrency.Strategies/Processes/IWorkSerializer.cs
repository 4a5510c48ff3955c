using System.Buffers;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// Turns items and results into bytes and back as they cross between the app and its worker processes.
/// </summary>
/// <remarks>
/// The same serializer must exist on both sides, so <see cref="ProcessStrategyOptions.Serializer"/> is a factory
/// (a static method or a lambda that captures nothing) that the process strategy calls in the app and in every
/// worker. Throw any exception for a value that cannot be converted: the item fails with the type name and the
/// exception's message, and the run goes on.
/// </remarks>
public interface IWorkSerializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The declared type of the value (the work's input or output type).</typeparam>
    /// <param name="value">The value to write.</param>
    /// <param name="destination">Where to write the bytes.</param>
    void Serialize<T>(T value, IBufferWriter<byte> destination);

    /// <summary>Reads a value written by <see cref="Serialize{T}"/>.</summary>
    /// <typeparam name="T">The declared type of the value.</typeparam>
    /// <param name="data">Exactly the bytes that <see cref="Serialize{T}"/> wrote.</param>
    /// <returns>The value.</returns>
    T Deserialize<T>(ReadOnlySpan<byte> data);
}
