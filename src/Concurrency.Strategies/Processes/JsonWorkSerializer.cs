using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// The default <see cref="IWorkSerializer"/>: System.Text.Json with the given options, so a source-generated
/// <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> (set as <see cref="JsonSerializerOptions.TypeInfoResolver"/>)
/// and custom converters are honoured.
/// </summary>
/// <example>
/// <code>
/// options.Serializer = static () => new JsonWorkSerializer(MyJsonContext.Default.Options);
/// </code>
/// </example>
public sealed class JsonWorkSerializer : IWorkSerializer
{
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static JsonWorkSerializer? t_writerOwner;

    private readonly JsonWriterOptions _writerOptions;

    /// <summary>Initializes a new instance of the <see cref="JsonWorkSerializer"/> class.</summary>
    /// <param name="options">The serializer options; made read-only by the first use.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    public JsonWorkSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _writerOptions = new JsonWriterOptions { Encoder = options.Encoder, SkipValidation = true };
        if (options.TypeInfoResolver is null)
        {
            Options.TypeInfoResolver = new DefaultJsonTypeInfoResolver();
        }

        Options.MakeReadOnly();
    }

    /// <summary>Gets the serializer with <see cref="JsonSerializerDefaults.General"/> options plus public fields (so tuples travel), with reflection metadata.</summary>
    public static JsonWorkSerializer Default { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.General) { IncludeFields = true });

    /// <summary>Gets the options this serializer uses.</summary>
    public JsonSerializerOptions Options { get; }

    /// <inheritdoc/>
    public void Serialize<T>(T value, IBufferWriter<byte> destination)
    {
        var writer = t_writer;
        if (writer is null || !ReferenceEquals(t_writerOwner, this))
        {
            writer = t_writer = new Utf8JsonWriter(destination, _writerOptions);
            t_writerOwner = this;
        }
        else
        {
            writer.Reset(destination);
        }

        try
        {
            JsonSerializer.Serialize(writer, value, TypeInfo<T>());
            writer.Flush();
        }
        finally
        {
            writer.Reset();
        }
    }

    /// <inheritdoc/>
    public T Deserialize<T>(ReadOnlySpan<byte> data) => JsonSerializer.Deserialize(data, TypeInfo<T>())!;

    private JsonTypeInfo<T> TypeInfo<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));
}
