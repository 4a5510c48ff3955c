namespace Concurrency.Strategies.Demo;

/// <summary>
/// Stand-ins for a download, so the demo needs no network: one that blocks its thread (like <c>requests.get</c>
/// or a synchronous SDK) and one that awaits (like <c>HttpClient</c> or aiohttp). Both return the "payload size".
/// </summary>
internal static class SimulatedIo
{
    public static int DownloadBlocking(int id, TimeSpan latency)
    {
        Thread.Sleep(latency);
        return PayloadSize(id);
    }

    public static async ValueTask<int> DownloadAsync(int id, TimeSpan latency, CancellationToken cancellationToken)
    {
        await Task.Delay(latency, cancellationToken);
        return PayloadSize(id);
    }

    /// <summary>A result that differs per item, so the checks prove every outcome belongs to its own item.</summary>
    public static int PayloadSize(int id) => 1_000 + (id * 37 % 1_009);
}
