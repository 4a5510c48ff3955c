using Concurrency.Strategies.Internal;
using Concurrency.Strategies.Processes;

namespace Concurrency.Strategies.Tests.Processes;

public sealed class WorkIdentityTests
{
    private readonly int _offset = 3;

    private static int Square(int x) => x * x;

    private static T Echo<T>(T value) => value;

    private int AddOffset(int x) => x + _offset;

    [Fact]
    public void From_StaticMethod_NamesItAndResolvesToTheSameMethod()
    {
        Func<int, int> work = Square;

        var identity = WorkIdentity.From(work);

        identity.MethodDisplayName.Should().Be($"{typeof(WorkIdentityTests).FullName}.Square");
        identity.NeedsClosureInstance.Should().BeFalse();
        identity.AssemblyPath.Should().Be(typeof(WorkIdentityTests).Assembly.Location);
        identity.ResolveMethod().Should().BeSameAs(work.Method);
        identity.CreateDelegate<Func<int, int>>()(7).Should().Be(49);
    }

    [Fact]
    public void ResolveMethod_AnotherBuildOfTheAssembly_ThrowsInsteadOfRunningWhateverTheTokenNames()
    {
        Func<int, int> work = Square;
        var identity = WorkIdentity.From(work);
        identity.ModuleVersionId.Should().Be(typeof(WorkIdentityTests).Module.ModuleVersionId);

        var otherBuild = identity with { ModuleVersionId = Guid.NewGuid() };

        FluentActions.Invoking(otherBuild.ResolveMethod).Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("another build").And.Contain("Deploy the caller's build");
    }

    [Fact]
    public async Task From_NonCapturingLambda_RecreatesItOnAFreshClosureInstance()
    {
        Func<int, CancellationToken, ValueTask<int>> work = (x, _) => new ValueTask<int>(x + 1);

        var identity = WorkIdentity.From(work);
        var recreated = identity.CreateDelegate<Func<int, CancellationToken, ValueTask<int>>>();

        identity.NeedsClosureInstance.Should().BeTrue();
        (await recreated(41, CancellationToken.None)).Should().Be(42);
    }

    [Fact]
    public void From_GenericMethod_KeepsItsTypeArguments()
    {
        Func<string, string> work = Echo;

        var identity = WorkIdentity.From(work);

        identity.MethodArguments.Should().ContainSingle().Which.Should().StartWith("System.String");
        identity.CreateDelegate<Func<string, string>>()("same").Should().Be("same");
    }

    [Fact]
    public void From_LibraryAdapterAroundSynchronousWork_NamesTheCallersMethod()
    {
        var adapted = WorkAdapters.From<int, int>(Square);

        var identity = WorkIdentity.From(adapted);

        identity.MethodDisplayName.Should().EndWith(".Square");
        identity.CreateDelegate<Func<int, int>>()(5).Should().Be(25);
    }

    [Fact]
    public void From_LambdaCapturingALocal_ThrowsNamingTheVariableAndTheFix()
    {
        var factor = 10;
        Func<int, int> work = x => x * factor;

        var act = () => WorkIdentity.From(work);

        var error = act.Should().ThrowExactly<ArgumentException>().Which;
        error.ParamName.Should().Be("work");
        error.Message.Should().Contain("captures 'factor' (Int32)").And.Contain("use a static method");
    }

    [Fact]
    public void From_LambdaCapturingThis_ThrowsNamingThis()
    {
        Func<int, int> work = x => x + _offset;

        var act = () => WorkIdentity.From(work);

        act.Should().ThrowExactly<ArgumentException>().Which.Message.Should()
            .Contain($"'this' (an instance of {typeof(WorkIdentityTests).FullName})");
    }

    [Fact]
    public void From_InstanceMethodOfAnObject_ThrowsSayingTheObjectCannotTravel()
    {
        Func<int, int> work = AddOffset;

        var act = () => WorkIdentity.From(work);

        act.Should().ThrowExactly<ArgumentException>().Which.Message.Should()
            .Contain("instance method").And.Contain("cannot travel to another process");
    }

    [Fact]
    public void From_MulticastDelegate_Throws()
    {
        Func<int, int> work = Square;
        work += Square;

        var act = () => WorkIdentity.From(work);

        act.Should().ThrowExactly<ArgumentException>().Which.Message.Should().Contain("multicast delegate of 2 methods");
    }

    [Fact]
    public void ResolveMethod_TokenFromAnotherBuild_ThrowsInvalidOperationNamingTheAssembly()
    {
        var identity = WorkIdentity.From((Func<int, int>)Square) with { MetadataToken = 0x06FFFFFF };

        var act = () => identity.ResolveMethod();

        act.Should().ThrowExactly<InvalidOperationException>().Which.Message.Should()
            .Contain("was not found in").And.Contain(identity.AssemblyPath);
    }
}
