using System.IO.Pipes;
using System.Text.Json;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Processes.Protocol;
using Concurrency.Strategies.Processes.Worker;
using static Concurrency.Strategies.Tests.Support.TestSupport;

namespace Concurrency.Strategies.Tests.Processes;

/// <summary>The child side of the protocol, run in this process over real anonymous pipes.</summary>
public sealed class WorkerLoopTests
{
    private static int Square(int x) => x * x;

    private static int Throws(int x) => throw new InvalidOperationException($"item {x} is bad");

    private static Type WhatType(int x) => typeof(int);

    private static StartMessage StartFor<TIn, TOut>(Func<TIn, TOut> work) =>
        new(WorkIdentity.From(work), WorkIdentity.TypeName(typeof(TIn)), WorkIdentity.TypeName(typeof(TOut)));

    [Fact]
    public async Task RunAsync_StartThenBatch_AnswersResultsInOrderAndExitsWhenTheParentCloses()
    {
        await using var pipes = new WorkerPipes();
        await pipes.SendAsync(FrameType.Start, StartFor<int, int>(Square));
        await pipes.SendBatchAsync(7, 1, 2, 3);

        var results = await pipes.ReceiveResultsAsync(7, 3);
        pipes.CloseParentOutput();

        results.Select(r => (r.Index, r.Value!.Value.GetInt32())).Should().Equal((0, 1), (1, 4), (2, 9));
        results.Should().OnlyContain(r => r.Error == null && r.DurationTicks >= 0);
        (await pipes.Worker.WaitAsync(HangGuard)).Should().Be(0, "a closed pipe means the parent is gone: the worker exits");
    }

    [Fact]
    public async Task RunAsync_WorkThrows_ReturnsTheRemoteErrorWithTypeMessageAndStack()
    {
        await using var pipes = new WorkerPipes();
        await pipes.SendAsync(FrameType.Start, StartFor<int, int>(Throws));
        await pipes.SendBatchAsync(1, 5);

        var error = (await pipes.ReceiveResultsAsync(1, 1)).Single().Error!;

        error.Type.Should().Be("System.InvalidOperationException");
        error.Message.Should().Be("item 5 is bad");
        error.StackTrace.Should().Contain(nameof(Throws));
    }

    [Fact]
    public async Task RunAsync_ItemOfTheWrongShape_FailsThatItemNamingTheTypeAndTheSerializersReason()
    {
        await using var pipes = new WorkerPipes();
        await pipes.SendAsync(FrameType.Start, StartFor<int, int>(Square));
        await pipes.SendBatchAsync(1, "not a number", 4);

        var results = await pipes.ReceiveResultsAsync(1, 2);

        results[0].Error!.Type.Should().Be(typeof(WorkSerializationException).FullName);
        results[0].Error!.Message.Should().Contain("could not be deserialized as System.Int32");
        results[0].Error!.Inner.Should().ContainSingle().Which.Type.Should().Be("System.Text.Json.JsonException");
        results[1].Value!.Value.GetInt32().Should().Be(16, "one bad item fails alone");
    }

    [Fact]
    public async Task RunAsync_ResultThatCannotBeSerialized_FailsThatItemNamingTheType()
    {
        await using var pipes = new WorkerPipes();
        await pipes.SendAsync(FrameType.Start, StartFor<int, Type>(WhatType));
        await pipes.SendBatchAsync(1, 1);

        var error = (await pipes.ReceiveResultsAsync(1, 1)).Single().Error!;

        error.Message.Should().Contain("could not be serialized").And.Contain("System.Type");
    }

    [Fact]
    public async Task RunAsync_WorkThatCannotBeResolved_SendsAFailureAndExitsWithTheStartFailedCode()
    {
        await using var pipes = new WorkerPipes();
        var start = StartFor<int, int>(Square);
        await pipes.SendAsync(FrameType.Start, start with { Work = start.Work with { MetadataToken = 0x06FFFFFF } });

        var failure = await pipes.ReceiveAsync<RemoteError>(FrameType.Failure);

        failure.Type.Should().Be("System.InvalidOperationException");
        failure.Message.Should().Contain("was not found in");
        (await pipes.Worker.WaitAsync(HangGuard)).Should().Be(WorkerLoop.StartFailedExitCode);
    }

    [Fact]
    public async Task RunAsync_Shutdown_ExitsWithZero()
    {
        await using var pipes = new WorkerPipes();
        await pipes.SendAsync(FrameType.Start, StartFor<int, int>(Square));
        await pipes.SendAsync(FrameType.Shutdown, new object());

        (await pipes.Worker.WaitAsync(HangGuard)).Should().Be(0);
    }

    /// <summary>Two anonymous pipes and a worker loop on the other ends; the test plays the parent.</summary>
    private sealed class WorkerPipes : IAsyncDisposable
    {
        private readonly AnonymousPipeServerStream _toWorker = new(PipeDirection.Out);
        private readonly AnonymousPipeServerStream _fromWorker = new(PipeDirection.In);
        private readonly AnonymousPipeClientStream _workerIn;
        private readonly AnonymousPipeClientStream _workerOut;
        private readonly FrameWriter _writer;
        private readonly FrameReader _reader;

        public WorkerPipes()
        {
            _workerIn = new AnonymousPipeClientStream(PipeDirection.In, _toWorker.ClientSafePipeHandle);
            _workerOut = new AnonymousPipeClientStream(PipeDirection.Out, _fromWorker.ClientSafePipeHandle);
            _writer = new FrameWriter(_toWorker);
            _reader = new FrameReader(_fromWorker);
            Worker = Task.Run(() => WorkerLoop.RunAsync(_workerIn, _workerOut, FrameFormat.DefaultMaxPayloadBytes));
            Hello = ReceiveAsync<HelloMessage>(FrameType.Hello);
        }

        public Task<int> Worker { get; }

        public Task<HelloMessage> Hello { get; }

        public async Task SendAsync<T>(FrameType type, T message)
        {
            (await Hello.WaitAsync(HangGuard)).ProcessId.Should().Be(Environment.ProcessId);
            await _writer.SendAsync(type, message);
        }

        public Task<T> ReceiveAsync<T>(FrameType expected) => _reader.ReceiveAsync<T>(expected);

        public async Task SendBatchAsync(long id, params object[] values)
        {
            (await Hello.WaitAsync(HangGuard)).ProcessId.Should().Be(Environment.ProcessId);
            await _writer.SendBatchAsync(id, values);
        }

        public Task<IReadOnlyList<TestResult>> ReceiveResultsAsync(long id, int expected) => _reader.ReceiveResultsAsync(id, expected);

        public void CloseParentOutput() => _toWorker.Dispose();

        public async ValueTask DisposeAsync()
        {
            _toWorker.Dispose();
            await Worker.WaitAsync(HangGuard);
            _writer.Dispose();
            _fromWorker.Dispose();
            _workerIn.Dispose();
            _workerOut.Dispose();
        }
    }
}
