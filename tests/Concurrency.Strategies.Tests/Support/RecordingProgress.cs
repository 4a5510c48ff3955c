namespace Concurrency.Strategies.Tests.Support;

/// <summary>A synchronous progress sink: reports arrive in the order they were made.</summary>
internal sealed class RecordingProgress : IProgress<RunProgress>
{
    private readonly List<RunProgress> _reports = new();

    public IReadOnlyList<RunProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return _reports.ToList();
            }
        }
    }

    public void Report(RunProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }
    }
}
