namespace Concurrency.Strategies.Scenarios.Server;

/// <summary>How the local server behaves: its latency, its faults, and its images.</summary>
public sealed record LocalServerOptions
{
    /// <summary>Gets how long every response waits before it is sent (a remote server's latency); default 50 ms.</summary>
    public TimeSpan Latency { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Gets the share of requests, 0–1, answered with HTTP 503 instead (after the latency); default 2%.</summary>
    public double FaultRate { get; init; } = 0.02;

    /// <summary>Gets the seed of the fault sequence: the same seed faults the same request numbers.</summary>
    public int Seed { get; init; } = 20_261_125;

    /// <summary>Gets the width of the served images; default 1920.</summary>
    public int ImageWidth { get; init; } = 1920;

    /// <summary>Gets the height of the served images; default 1080.</summary>
    public int ImageHeight { get; init; } = 1080;

    /// <summary>Gets how many different images are drawn (image n is drawing n modulo this); default 8.</summary>
    public int DistinctImages { get; init; } = 8;

    /// <summary>Throws for options the server cannot honour, naming the property and the fix.</summary>
    internal void Validate()
    {
        if (Latency < TimeSpan.Zero || Latency > TimeSpan.FromMinutes(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Latency), Latency, "LocalServerOptions.Latency must be between 0 and 1 minute.");
        }

        if (double.IsNaN(FaultRate) || FaultRate < 0 || FaultRate > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(FaultRate), FaultRate, "LocalServerOptions.FaultRate is a share between 0 and 1 (0.02 for 2%).");
        }

        if (ImageWidth is < 8 or > 8192 || ImageHeight is < 8 or > 8192)
        {
            throw new ArgumentOutOfRangeException(nameof(ImageWidth), $"{ImageWidth}x{ImageHeight}", "LocalServerOptions.ImageWidth and ImageHeight must be 8–8192 pixels.");
        }

        if (DistinctImages is < 1 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(DistinctImages), DistinctImages, "LocalServerOptions.DistinctImages must be 1–1024.");
        }
    }
}
