using System.IO.Pipes;
using System.Diagnostics;
using Concurrency.Strategies.Processes;
using Concurrency.Strategies.Processes.Protocol;
using Concurrency.Strategies.Processes.Worker;
using Concurrency.Strategies.ReliabilityTests.Support;
using Concurrency.Strategies.Tests.Support;
using Concurrency.Strategies.TestWorkloads;
using CsCheck;
using Xunit.Abstractions;

namespace Concurrency.Strategies.ReliabilityTests;

/// <summary>
/// Protocol robustness: the frame reader, the worker and the parent fed truncated, oversized, garbage and
/// out-of-order frames (CsCheck-generated for the reader; seeded for the worker and the parent, whose fake worker
/// also answers with well-formed Results frames for another batch, an item not in the batch, or an item twice). Each ends in a clear error (and, for the parent, a replaced worker),
/// never in a hang or an unbounded allocation.
/// </summary>
public sealed class ProtocolFuzzTests(ITestOutputHelper output)
{
    private const int MaxPayload = 64 * 1024;

    /// <summary>Structured garbage (from the wire format) and plain random bytes.</summary>
    private static readonly Gen<byte[]> Garbage = Gen.OneOf(Gen.Int.Select(GarbageFor), Gen.Byte.Array[0, 300]);

    [Fact]
    public void FrameReader_AnyBytes_EndsInAFrameAClearErrorOrTheEnd_WithBoundedAllocation()
    {
        var outcomes = new Dictionary<string, int>();
        Garbage.Sample(
            bytes =>
            {
                var reader = new FrameReader(new MemoryStream(bytes), MaxPayload);
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                string ending;
                var frames = 0;
                while (true)
                {
                    try
                    {
                        var pending = reader.ReadAsync();
                        pending.IsCompleted.Should().BeTrue("a memory stream never makes the reader wait");
                        var frame = pending.Result;
                        if (frame is null)
                        {
                            ending = "end";
                            break;
                        }

                        frames++;
                        frames.Should().BeLessThanOrEqualTo(bytes.Length / FrameFormat.HeaderSize, "every frame consumes at least a header");
                    }
                    catch (EndOfStreamException ex)
                    {
                        ex.Message.Should().Contain("ended inside a");
                        ending = "truncated";
                        break;
                    }
                    catch (InvalidDataException ex)
                    {
                        ex.Message.Should().Match(m => m.Contains("Unknown frame type", StringComparison.Ordinal) || m.Contains("claims", StringComparison.Ordinal));
                        ending = "invalid";
                        break;
                    }
                }

                var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                allocated.Should().BeLessThan(4 * MaxPayload, "a claimed length is checked against the maximum before anything is allocated for it");
                lock (outcomes)
                {
                    outcomes[ending] = outcomes.GetValueOrDefault(ending) + 1;
                }
            },
            iter: Reliability.Size(5_000, 100_000),
            threads: 1);

        Reliability.Record(output, "fuzz-frame-reader", outcomes.ToDictionary(p => p.Key, p => (object)p.Value));
        outcomes.Keys.Should().Contain(["truncated", "invalid"], "the generator reaches both kinds of error");
    }

    [Fact]
    public async Task Worker_FedGarbage_ExitsWithAProtocolOrStartErrorAndNeverHangs()
    {
        var exits = new Dictionary<int, int>();
        var cases = Reliability.Size(150, 2_000);
        // Fixed seeds, so a failure names its seed and repeats.
        foreach (var seed in Enumerable.Range(1, cases))
        {
            var bytes = GarbageFor(seed);
            using var toWorker = new AnonymousPipeServerStream(PipeDirection.Out);
            using var fromWorker = new AnonymousPipeServerStream(PipeDirection.In);
            using var workerIn = new AnonymousPipeClientStream(PipeDirection.In, toWorker.ClientSafePipeHandle);
            using var workerOut = new AnonymousPipeClientStream(PipeDirection.Out, fromWorker.ClientSafePipeHandle);
            var worker = Task.Run(() => WorkerLoop.RunAsync(workerIn, workerOut, MaxPayload));
            var drain = fromWorker.CopyToAsync(Stream.Null);
            await toWorker.WriteAsync(bytes);
            await toWorker.FlushAsync();
            toWorker.Dispose(); // the parent is gone after its garbage

            var finished = await Task.WhenAny(worker, Task.Delay(TimeSpan.FromSeconds(10))) == worker;
            finished.Should().BeTrue($"seed {seed}: the worker fed {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 64)))} must end, not hang");
            var exit = await worker;
            exit.Should().BeOneOf([0, WorkerLoop.StartFailedExitCode, WorkerLoop.ProtocolErrorExitCode], $"seed {seed}: 0 when the garbage ended cleanly between frames, 3 or 4 otherwise");
            if (exit == 0)
            {
                EndsCleanly(bytes).Should().BeTrue($"seed {seed}: exit code 0 only when the input held whole frames that the worker may ignore or act on, then ended");
            }
            exits[exit] = exits.GetValueOrDefault(exit) + 1;
            workerOut.Dispose();
            await drain.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Reliability.Record(output, "fuzz-worker", new Dictionary<string, object> { ["cases"] = cases, ["exitCodes"] = exits.ToDictionary(p => p.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Value) });
        exits.Keys.Should().Contain(WorkerLoop.ProtocolErrorExitCode);
    }

    [Fact]
    public async Task Parent_AWorkerAnswersWithGarbage_ItsItemsFailOrRunAgainClearly_AndAFreshWorkerTakesOver()
    {
        var seeds = Reliability.Size(8, 40);
        var failures = 0;
        var messages = new HashSet<string>();
        for (var seed = 1; seed <= seeds; seed++)
        {
            var marker = Path.Combine(Path.GetTempPath(), $"concurrency-strategies-fuzz-{Environment.ProcessId}-{seed}");
            File.Delete(marker);
            try
            {
                await using var strategy = new ProcessStrategy(new ProcessStrategyOptions
                {
                    WorkerCount = 1,
                    ShutdownGracePeriod = TimeSpan.FromSeconds(1),
                    WorkerHost = TestWorkloadsHost("fuzz-worker", marker, seed.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                });
                var clock = Stopwatch.StartNew();
                var outcomes = new List<ItemOutcome<int, int>>();
                await foreach (var outcome in strategy.RunAsync(Enumerable.Range(0, 20), Workloads.Square, new RunOptions { BatchSize = 4 })
                    .WithCancellation(new CancellationTokenSource(Reliability.HangGuard).Token))
                {
                    outcomes.Add(outcome);
                }

                clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30), $"seed {seed}: garbage is noticed when it arrives, not after a timeout");
                outcomes.Select(o => o.Index).Should().BeEquivalentTo(Enumerable.Range(0, 20), $"seed {seed}: one outcome per item");
                foreach (var outcome in outcomes)
                {
                    if (outcome.Error is { } error)
                    {
                        error.Should().BeOfType<WorkerCrashedException>($"seed {seed}");
                        failures++;
                        messages.Add(error.Message.Length > 120 ? error.Message[..120] : error.Message);
                    }
                    else
                    {
                        outcome.Result.Should().Be(outcome.Item * outcome.Item);
                    }
                }

                outcomes.Where(o => o.Index >= 8).Should().OnlyContain(o => o.Error == null, $"seed {seed}: a fresh worker replaces the broken one and runs the later batches");
                var garbagePid = int.Parse(File.ReadAllText(marker), System.Globalization.CultureInfo.InvariantCulture);
                await strategy.DisposeAsync();
                (await ChildProcesses.WaitForExitAsync([garbagePid], TimeSpan.FromSeconds(2))).Should().BeEmpty($"seed {seed}: the broken worker was killed");
            }
            finally
            {
                File.Delete(marker);
            }
        }

        Reliability.Record(output, "fuzz-parent", new Dictionary<string, object> { ["seeds"] = seeds, ["itemsFailed"] = failures, ["messages"] = messages.ToArray() });
    }

    /// <summary>Whether <paramref name="bytes"/> are well-formed frames up to their end or up to a Shutdown frame (after which a worker reads nothing).</summary>
    private static bool EndsCleanly(byte[] bytes)
    {
        var reader = new FrameReader(new MemoryStream(bytes), MaxPayload);
        try
        {
            while (reader.ReadAsync().AsTask().GetAwaiter().GetResult() is { } frame)
            {
                if (frame.Type == FrameType.Shutdown)
                {
                    return true;
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is EndOfStreamException or InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Garbage for a seed: built from the wire format, or a valid frame then that, or plain random bytes.</summary>
    private static byte[] GarbageFor(int seed)
    {
        var random = new Random(seed);
        switch (random.Next(3))
        {
            case 0:
                return FuzzFrames.Garbage(random);
            case 1:
                return ValidThenGarbage(random);
            default:
                var bytes = new byte[random.Next(300)];
                random.NextBytes(bytes);
                return bytes;
        }
    }

    /// <summary>A valid Hello frame followed by garbage: the reader gets past a good frame first.</summary>
    private static byte[] ValidThenGarbage(Random random)
    {
        var stream = new MemoryStream();
        using (var writer = new FrameWriter(stream))
        {
            writer.WriteAsync(FrameType.Hello, "{}"u8.ToArray()).AsTask().GetAwaiter().GetResult();
        }

        return [.. stream.ToArray(), .. FuzzFrames.Garbage(random)];
    }

    private static WorkerHostCommand TestWorkloadsHost(params string[] mode) => TestWorkloadsApp.WorkerHost(typeof(ProtocolFuzzTests).Assembly, mode);
}
