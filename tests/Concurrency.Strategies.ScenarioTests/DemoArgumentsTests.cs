using Concurrency.Strategies.Demo;
using Concurrency.Strategies.Scenarios;

namespace Concurrency.Strategies.ScenarioTests;

public sealed class DemoArgumentsTests
{
    [Fact]
    public void No_arguments_run_every_scenario_at_the_quick_sizes()
    {
        var parsed = DemoArguments.Parse([]);

        parsed.Error.Should().BeNull();
        parsed.Sizes.Should().Be(ScenarioSizes.Quick);
        parsed.Scenarios.Should().Equal(ScenarioCatalog.All.Select(s => s.Name));
    }

    [Fact]
    public void Full_scenario_json_latency_and_fault_rate_are_read()
    {
        var parsed = DemoArguments.Parse(["--full", "--scenario", "scrape,resize", "--json", "out.json", "--latency", "20", "--fault-rate", "0.1"]);

        parsed.Error.Should().BeNull();
        parsed.Sizes.Should().Be(ScenarioSizes.Full with { Latency = TimeSpan.FromMilliseconds(20) });
        parsed.Scenarios.Should().Equal("scrape", "resize");
        parsed.JsonPath.Should().Be("out.json");
        parsed.FaultRate.Should().Be(0.1);
    }

    [Theory]
    [InlineData("--scenario", "nope", "*Unknown scenario 'nope'*download*")]
    [InlineData("--latency", "-5", "*--latency takes whole milliseconds*")]
    [InlineData("--fault-rate", "0.9", "*--fault-rate takes a share*between 0 and 0.3*")]
    [InlineData("--json", null, "*--json needs a value*")]
    [InlineData("--frobnicate", null, "*Unknown option '--frobnicate'*")]
    public void Bad_arguments_say_what_was_wrong(string option, string? value, string message)
    {
        var parsed = DemoArguments.Parse(value is null ? [option] : [option, value]);

        parsed.Error.Should().Match(message);
        DemoArguments.Usage.Should().Contain("--scenario NAME");
    }
}
