using System.Collections.Concurrent;
using System.Reflection;
using Concurrency.Strategies.Processes.Protocol;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// What a strategy whose work runs elsewhere (worker processes, silos) needs to name its work: the serializer from the
/// options' factory (named too, so the other side builds the same one), and one Start message per work method, built
/// once (naming the work costs reflection) and kept in the form the strategy sends (<typeparamref name="T"/>).
/// </summary>
/// <typeparam name="T">The form kept per method: the <see cref="StartMessage"/> itself, or its JSON.</typeparam>
internal sealed class WorkStarts<T>
{
    private readonly ConcurrentDictionary<(MethodInfo, Type, Type, Type), T> _starts = new();
    private readonly WorkIdentity? _serializerIdentity;
    private readonly Func<StartMessage, T> _project;
    private readonly bool _allowFileless;
    private readonly string? _fix;

    /// <param name="serializer">The options' serializer factory; <see langword="null"/> for <see cref="JsonWorkSerializer.Default"/>.</param>
    /// <param name="optionsName">The options type's name, for messages.</param>
    /// <param name="paramName">The constructor parameter that holds the options, for exceptions.</param>
    /// <param name="allowFileless">Whether work in an assembly without a file is accepted (a custom worker host has it).</param>
    /// <param name="fix">What to say to do about work that captures state; <see langword="null"/> for the process strategy's advice.</param>
    /// <param name="project">The form each Start message is kept and sent in.</param>
    /// <exception cref="ArgumentException">The factory captures state, or returns <see langword="null"/>.</exception>
    public WorkStarts(Func<IWorkSerializer>? serializer, string optionsName, string paramName, bool allowFileless, string? fix, Func<StartMessage, T> project)
    {
        _project = project;
        _allowFileless = allowFileless;
        _fix = fix;
        if (serializer is null)
        {
            Serializer = JsonWorkSerializer.Default;
            return;
        }

        _serializerIdentity = WorkIdentity.From(serializer, paramName, fix: fix);
        Serializer = serializer() ?? throw new ArgumentException($"{optionsName}.Serializer returned null; return an IWorkSerializer.", paramName);
    }

    /// <summary>Gets the serializer for items and results on this side.</summary>
    public IWorkSerializer Serializer { get; }

    /// <summary>The Start message of <paramref name="work"/>, in its kept form; the same instance for the same method and types.</summary>
    /// <exception cref="ArgumentException">The work captures state, is an instance method, or has no file to load it from.</exception>
    public T For<TIn, TOut>(Func<TIn, CancellationToken, ValueTask<TOut>> work)
    {
        var original = WorkIdentity.Unwrap(work);
        var key = (original.Method, original.GetType(), typeof(TIn), typeof(TOut));
        if (_starts.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var identity = WorkIdentity.From(original, nameof(work), _allowFileless, _fix);
        return _starts.GetOrAdd(key, _project(new StartMessage(identity, WorkIdentity.TypeName(typeof(TIn)), WorkIdentity.TypeName(typeof(TOut)), _serializerIdentity)));
    }
}
