using System.Runtime.CompilerServices;
using Concurrency.Strategies.Scenarios;

namespace Concurrency.Strategies.ScenarioTests;

/// <summary>The scenarios' verification finds what is wrong: a lost item, a duplicate, a failure, a wrong result.</summary>
public sealed class VerificationTests
{
    private static readonly RunSpec Spec = new("test", "fake", "hand-made outcomes", "1", Items: 4);

    [Fact]
    public async Task A_complete_correct_run_has_no_problems()
    {
        var result = await Spec.MeasureAsync(null, null, (_, _, _) => Outcomes((0, 0), (1, 1), (2, 2), (3, 3)), Check, CancellationToken.None);

        result.Verified.Should().BeTrue();
        result.Failures.Should().Be(0);
        result.Retries.Should().BeNull("the run built no resilience pipeline");
    }

    [Fact]
    public async Task A_lost_item_a_duplicate_a_failure_and_a_wrong_result_are_each_reported()
    {
        var result = await Spec.MeasureAsync(
            null,
            null,
            (_, _, _) => Outcomes((0, 0), (0, 0), (1, -1), (2, null)),
            Check,
            CancellationToken.None);

        result.Verified.Should().BeFalse();
        result.Failures.Should().Be(1);
        result.Problems.Should().HaveCount(4);
        result.Problems.Should().Contain("item 0 has more than one outcome")
            .And.Contain("item 1: expected 1, got -1")
            .And.Contain(p => p.StartsWith("item 2 failed: InvalidOperationException", StringComparison.Ordinal))
            .And.Contain(p => p.Contains("1 item(s) have no outcome (lost), first: 3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_outcome_for_an_item_not_in_the_input_is_reported()
    {
        var result = await Spec.MeasureAsync(null, null, (_, _, _) => Outcomes((0, 0), (1, 1), (2, 2), (3, 3), (7, 7)), Check, CancellationToken.None);

        result.Problems.Should().ContainSingle().Which.Should().Contain("item 7, which is not in the input");
    }

    private static string? Check(long index, int value) => value == index ? null : $"expected {index}, got {value}";

    private static async IAsyncEnumerable<Outcome<int>> Outcomes(params (long Index, int? Value)[] outcomes)
    {
        await Task.Yield();
        foreach (var (index, value) in outcomes)
        {
            yield return value is { } v ? new Outcome<int>(index, v, null) : new Outcome<int>(index, 0, new InvalidOperationException("boom"));
        }
    }
}
