using System.Net;
using System.Net.Http;
using Concurrency.Strategies.Scenarios;
using Concurrency.Strategies.Scenarios.Server;
using Concurrency.Strategies.Scenarios.Work;

namespace Concurrency.Strategies.ScenarioTests;

/// <summary>Every scenario of the demo, through the demo's own code, in a tiny size: each run must verify.</summary>
public sealed class ScenarioTests
{
    public static TheoryData<string> Names => new(ScenarioCatalog.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Every_run_of_the_scenario_verifies(string name)
    {
        await using var host = await ScenarioHost.StartAsync(ScenarioSizes.Tiny, faultRate: 0.1);
        var scenario = ScenarioCatalog.All.Single(s => s.Name == name);

        var report = await scenario.Run(host, null, CancellationToken.None);
        var workers = host.Processes.WorkerProcessIds.ToList();
        var directory = host.WorkDirectory;
        await host.DisposeAsync();

        workers.Where(pid => Directory.Exists($"/proc/{pid}")).Should().BeEmpty("disposing the host stops every worker process");
        Directory.Exists(directory).Should().BeFalse("disposing the host deletes the scenario's files");
        report.Runs.Should().NotBeEmpty();
        report.Runs.Should().ContainSingle(run => run.IsGuidePick, "the guide's pick is always one of the runs");
        foreach (var run in report.Runs)
        {
            run.Problems.Should().BeEmpty($"{run.Strategy} ×{run.Concurrency} must verify every item");
            run.Failures.Should().Be(0);
        }
    }

    [Fact]
    public async Task Injected_faults_are_retried_and_every_retry_is_counted()
    {
        // A high fault rate so that a tiny run sees many 503s; every fault costs exactly one retry when all items succeed
        // (an item fails only after 7 faults in a row: 0.15^7 per item, about 1 in 10^6 runs of this test).
        await using var host = await ScenarioHost.StartAsync(ScenarioSizes.Tiny with { Pages = 60 }, faultRate: 0.15);

        var report = await ScrapeScenario.RunAsync(host, null, CancellationToken.None);

        var retries = report.Runs.Sum(run => run.Retries);
        host.Server.FaultsInjected.Should().BeGreaterThan(0);
        retries.Should().Be(host.Server.FaultsInjected);
        report.Runs.Should().OnlyContain(run => run.Verified && run.Failures == 0);
    }

    [Fact]
    public async Task The_server_faults_the_share_of_requests_it_is_told_to()
    {
        await using var server = await LocalServer.StartAsync(new LocalServerOptions { Latency = TimeSpan.Zero, FaultRate = 0.25 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var statuses = new List<HttpStatusCode>();
        server.PreparePages(10);
        for (var i = 0; i < 400; i++)
        {
            using var response = await http.GetAsync(SiteClient.PagePath(i));
            statuses.Add(response.StatusCode);
        }

        var faults = statuses.Count(s => s == HttpStatusCode.ServiceUnavailable);
        faults.Should().Be((int)server.FaultsInjected);
        faults.Should().BeInRange(60, 140, "a quarter of 400 requests, give or take the hash's spread");
        statuses.Should().OnlyContain(s => s == HttpStatusCode.OK || s == HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task A_scraped_page_matches_the_truth_counted_while_generating_it()
    {
        await using var server = await LocalServer.StartAsync(new LocalServerOptions { Latency = TimeSpan.Zero, FaultRate = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new SiteClient(http);
        for (var id = 0; id < 20; id++)
        {
            var (html, truth) = SiteContent.Page(id);
            var page = await client.ScrapeAsync(id, CancellationToken.None);

            html.Length.Should().BeInRange(5 * 1024, 21 * 1024);
            page.Title.Should().Be(truth.Title);
            page.Links.Should().Be(truth.Links).And.BeGreaterThan(0);
            page.Words.Should().Be(truth.Words);
            client.Scrape(id).Should().Be(page, "the blocking client gets the same page");
        }
    }

    [Fact]
    public async Task A_missing_page_is_not_retried()
    {
        await using var server = await LocalServer.StartAsync(new LocalServerOptions { Latency = TimeSpan.Zero, FaultRate = 0 });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var retries = new RetryCounter();
        var pipeline = retries.CreatePipeline(TimeSpan.FromSeconds(5));

        var act = async () => await pipeline.ExecuteAsync(async ct => await new SiteClient(http).GetImageAsync(-1, ct));

        (await act.Should().ThrowAsync<HttpRequestException>()).Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
        retries.Retries.Should().Be(0);
    }

    [Fact]
    public void A_resized_image_has_the_target_size_and_a_truncated_one_does_not_verify()
    {
        var source = ImageFactory.Jpeg(3, 640, 360);

        var resized = ImageResizer.Resize(source, 800, 600);

        ImageResizer.Verify(resized).Should().Be((800, 600));
        ImageResizer.Verify(source).Should().Be((640, 360));
        ImageResizer.Verify(resized.AsSpan(0, resized.Length / 2)).Should().BeNull("half a JPEG is not a decodable image");
        var bad = () => ImageResizer.Resize([1, 2, 3], 800, 600);
        bad.Should().Throw<InvalidDataException>().WithMessage("*Not a decodable image*");
    }

    [Fact]
    public async Task Bad_server_options_say_what_to_fix()
    {
        var act = async () => await LocalServer.StartAsync(new LocalServerOptions { FaultRate = 2 });

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>().WithMessage("*FaultRate*between 0 and 1*");
    }
}
