namespace Concurrency.Strategies.Scenarios;

/// <summary>How big each scenario is.</summary>
/// <param name="Name">quick, full or tiny.</param>
/// <param name="Images">Images to download.</param>
/// <param name="ResizeImages">Images to resize.</param>
/// <param name="Pages">Pages to scrape.</param>
/// <param name="MixedImages">Images through the download → resize → save pipeline.</param>
/// <param name="SourceWidth">The width of the server's images.</param>
/// <param name="SourceHeight">The height of the server's images.</param>
/// <param name="Latency">The server's latency per request.</param>
public sealed record ScenarioSizes(
    string Name, int Images, int ResizeImages, int Pages, int MixedImages, int SourceWidth, int SourceHeight, TimeSpan Latency)
{
    /// <summary>The size every resize produces (the explainer's 800×600).</summary>
    public const int TargetWidth = 800;

    /// <summary>The size every resize produces (the explainer's 800×600).</summary>
    public const int TargetHeight = 600;

    /// <summary>Gets the default: every scenario, at sizes that finish in well under two minutes on 2 cores.</summary>
    public static ScenarioSizes Quick { get; } = new("quick", 100, 40, 2_000, 40, 1920, 1080, TimeSpan.FromMilliseconds(50));

    /// <summary>Gets the explainer's sizes: 100 images, 200 resized, 10,000 pages.</summary>
    public static ScenarioSizes Full { get; } = new("full", 100, 200, 10_000, 100, 1920, 1080, TimeSpan.FromMilliseconds(50));

    /// <summary>Gets a size for tests: the same code paths in a second or two.</summary>
    public static ScenarioSizes Tiny { get; } = new("tiny", 6, 4, 30, 4, 320, 240, TimeSpan.FromMilliseconds(5));
}
