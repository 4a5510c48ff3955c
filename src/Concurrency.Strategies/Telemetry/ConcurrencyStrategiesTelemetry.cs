namespace Concurrency.Strategies.Telemetry;

/// <summary>Names to subscribe to the library's metrics and traces (OpenTelemetry: <c>AddMeter</c>, <c>AddSource</c>).</summary>
public static class ConcurrencyStrategiesTelemetry
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "Concurrency.Strategies";

    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>; one activity per run.</summary>
    public const string ActivitySourceName = "Concurrency.Strategies";
}
