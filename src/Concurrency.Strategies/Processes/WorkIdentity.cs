using System.Reflection;
using System.Runtime.CompilerServices;
using Concurrency.Strategies.Internal;

namespace Concurrency.Strategies.Processes;

/// <summary>
/// Names work so that another process can find it: the method's assembly (name and path) and metadata token, plus
/// the generic arguments of its type and of the method. Only a static method or a lambda that captures nothing can
/// be named this way; anything that carries state is rejected up front with the names of what it captured.
/// </summary>
/// <remarks>
/// A non-capturing lambda compiles to an instance method of a compiler-generated singleton class without instance
/// fields, so the child can recreate its target. A capturing lambda's target is a display class whose fields are
/// the captured variables (or <c>&lt;&gt;4__this</c> for the enclosing instance): those names go into the message.
/// </remarks>
internal sealed record WorkIdentity(
    string AssemblyName,
    string AssemblyPath,
    int MetadataToken,
    string MethodDisplayName,
    IReadOnlyList<string> TypeArguments,
    IReadOnlyList<string> MethodArguments,
    bool NeedsClosureInstance,
    string DelegateType)
{
    /// <summary>
    /// Gets the module version id of the work's assembly: a build's own id, so a worker or silo that loads another build
    /// of the same assembly (where the metadata token may name another method) fails clearly instead of running it.
    /// </summary>
    public Guid ModuleVersionId { get; init; }

    private const string Fix =
        "The process strategy runs the work in another process, where the caller's objects do not exist: use a static "
        + "method (or a static lambda) and pass everything the work needs in the item itself.";

    /// <summary>Names <paramref name="work"/>, seeing through the library's own adapters to the caller's delegate.</summary>
    /// <exception cref="ArgumentException">The work captures state, is an instance method, or lives in an assembly without a file.</exception>
    public static WorkIdentity From(Delegate work, string paramName = "work", bool allowFileless = false, string? fix = null)
    {
        Guard.NotNull(work, Guard.WorkFix, paramName);
        work = Unwrap(work);

        if (work.GetInvocationList().Length > 1)
        {
            throw new ArgumentException(
                $"The work is a multicast delegate of {work.GetInvocationList().Length} methods; the process strategy runs exactly one. Pass a single static method.",
                paramName);
        }

        var method = work.Method;
        var display = $"{method.DeclaringType?.FullName ?? "<global>"}.{method.Name}";
        var needsInstance = false;
        if (work.Target is { } target)
        {
            var targetType = target.GetType();
            var captured = targetType.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            var compilerGenerated = targetType.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false);
            if (captured.Length > 0 && compilerGenerated)
            {
                var names = string.Join(", ", captured.Select(DescribeCaptured));
                throw new ArgumentException($"The work is a lambda that captures {names}. {fix ?? Fix}", paramName);
            }

            if (!compilerGenerated)
            {
                throw new ArgumentException(
                    $"The work is the instance method {display} of an object of type {targetType.FullName}; that object cannot travel to another process. {fix ?? Fix}",
                    paramName);
            }

            needsInstance = true;
        }

        var assembly = method.Module.Assembly;
        if (assembly.IsDynamic || (string.IsNullOrEmpty(assembly.Location) && !allowFileless))
        {
            throw new ArgumentException(
                $"The work {display} lives in assembly '{assembly.GetName().Name}', which has no file on disk (dynamic, or loaded from bytes or a single-file bundle), so a child process cannot load it. "
                + "Define the work in an assembly that is deployed as a file, or start workers that already contain it with ProcessStrategyOptions.WorkerHost (see ProcessWorker).",
                paramName);
        }

        return new WorkIdentity(
            assembly.FullName!,
            assembly.Location,
            method.MetadataToken,
            display,
            method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments().Select(TypeName).ToArray() : [],
            method.IsGenericMethod ? method.GetGenericArguments().Select(TypeName).ToArray() : [],
            needsInstance,
            TypeName(work.GetType()))
        {
            ModuleVersionId = method.Module.ModuleVersionId,
        };
    }

    /// <summary>The caller's own delegate behind the library's adapters.</summary>
    public static Delegate Unwrap(Delegate work)
    {
        while (work.Target is IWorkAdapter adapter)
        {
            work = adapter.Original;
        }

        return work;
    }

    /// <summary>Finds the method again (in a child process, or here for a check) and binds a delegate to it.</summary>
    /// <exception cref="InvalidOperationException">The assembly, a type argument or the method cannot be found.</exception>
    public MethodInfo ResolveMethod()
    {
        var assembly = LoadAssembly();
        if (ModuleVersionId != Guid.Empty && assembly.ManifestModule.ModuleVersionId != ModuleVersionId)
        {
            throw new InvalidOperationException(
                $"Work {MethodDisplayName} cannot run here: this process loaded another build of '{AssemblyName}' (module {assembly.ManifestModule.ModuleVersionId}) "
                + $"than the caller's (module {ModuleVersionId}). Deploy the caller's build of that assembly.");
        }

        var typeArguments = TypeArguments.Select(ResolveType).ToArray();
        var methodArguments = MethodArguments.Select(ResolveType).ToArray();
        MethodBase? found;
        try
        {
            found = assembly.ManifestModule.ResolveMethod(MetadataToken, typeArguments, methodArguments);
        }
        catch (Exception ex) when (ex is ArgumentException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                $"Work {MethodDisplayName} (token 0x{MetadataToken:x8}) was not found in {AssemblyPath}: the child loaded a different build of '{AssemblyName}'.", ex);
        }

        if (found is not MethodInfo resolved)
        {
            throw new InvalidOperationException($"Token 0x{MetadataToken:x8} in {AssemblyPath} is not a method (expected {MethodDisplayName}).");
        }

        if (resolved.DeclaringType is { IsGenericTypeDefinition: true } definition && typeArguments.Length > 0)
        {
            resolved = (MethodInfo)MethodBase.GetMethodFromHandle(resolved.MethodHandle, definition.MakeGenericType(typeArguments).TypeHandle)!;
        }

        return resolved.IsGenericMethodDefinition ? resolved.MakeGenericMethod(methodArguments) : resolved;
    }

    /// <summary>Recreates the delegate: a static method, or a closure-free lambda on a fresh instance of its class.</summary>
    public TDelegate CreateDelegate<TDelegate>()
        where TDelegate : Delegate => (TDelegate)CreateDelegate(typeof(TDelegate));

    /// <summary>Recreates the delegate as the caller's original delegate type.</summary>
    public Delegate CreateDelegate() => CreateDelegate(ResolveType(DelegateType));

    private Delegate CreateDelegate(Type delegateType)
    {
        var method = ResolveMethod();

        // The class has no instance fields (checked in From), so an instance without a constructor run is complete.
        return NeedsClosureInstance
            ? method.CreateDelegate(delegateType, RuntimeHelpers.GetUninitializedObject(method.DeclaringType!))
            : method.CreateDelegate(delegateType);
    }

    private Assembly LoadAssembly()
    {
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (string.Equals(loaded.FullName, AssemblyName, StringComparison.Ordinal))
            {
                return loaded;
            }
        }

        // A silo on another machine has the work's assembly in its own deployment, under another path: load it by name
        // first (the app's deps.json), and from the caller's path only when the name is not found here.
        try
        {
            return Assembly.Load(new AssemblyName(AssemblyName));
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException)
        {
            // Not in this app's dependencies: try the caller's path below.
        }

        try
        {
            return Assembly.LoadFrom(AssemblyPath);
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"The assembly of work {MethodDisplayName} could not be loaded from {AssemblyPath}: {ex.Message}", ex);
        }
    }

    internal static string TypeName(Type type) =>
        type.AssemblyQualifiedName ?? throw new ArgumentException($"The type {type} has no assembly-qualified name; work over it cannot run in another process.");

    internal static Type ResolveType(string name) =>
        Type.GetType(name, throwOnError: false)
        ?? throw new InvalidOperationException($"The type '{name}' could not be loaded in this process; is its assembly in the app's deps.json?");

    private static string DescribeCaptured(FieldInfo field)
    {
        if (field.Name.EndsWith("__this", StringComparison.Ordinal))
        {
            return $"'this' (an instance of {field.FieldType.FullName})";
        }

        if (field.FieldType.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false))
        {
            // A nested display class: the outer scope's captured variables.
            var outer = field.FieldType.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
            return string.Join(", ", outer.Select(DescribeCaptured));
        }

        return $"'{field.Name}' ({field.FieldType.Name})";
    }
}
