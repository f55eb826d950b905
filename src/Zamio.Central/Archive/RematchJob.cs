namespace Zamio.Central.Archive;

public enum RematchStatus
{
    Queued,
    Running,
    Done,
    Failed,
}

/// <summary>One rematch asked for over HTTP: queued, then run by <see cref="RematchJobs"/>, which stores it as it goes.</summary>
public sealed class RematchJob(string id, string? station, RematchRun run, IReadOnlyList<ArchiveReader> readers, DateTimeOffset queued)
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stationsDone;
    private volatile Outcome? _outcome;
    private volatile bool _running;

    public string Id => id;

    /// <summary>The station asked for; null for every archived one.</summary>
    public string? Station => station;

    public RematchRun Run => run;

    public IReadOnlyList<ArchiveReader> Readers => readers;

    public DateTimeOffset Queued => queued;

    public RematchStatus Status => _outcome is { } outcome ? (outcome.Error is null ? RematchStatus.Done : RematchStatus.Failed)
        : _running ? RematchStatus.Running : RematchStatus.Queued;

    public int StationsDone => Volatile.Read(ref _stationsDone);

    /// <summary>Set once the job has ended; then <see cref="Status"/> is <see cref="RematchStatus.Done"/> or <see cref="RematchStatus.Failed"/>.</summary>
    public Outcome? Ended => _outcome;

    /// <summary>Completes when the job ends, done or failed.</summary>
    public Task Completion => _completion.Task;

    internal void Started() => _running = true;

    internal void StationDone(string station) => Interlocked.Increment(ref _stationsDone);

    internal void End(Outcome outcome)
    {
        _outcome = outcome;
        _completion.TrySetResult();
    }

    /// <summary>How a job ended: its findings and summary, or why it failed.</summary>
    public sealed record Outcome(DateTimeOffset At, IReadOnlyList<RematchFinding> Findings, RematchSummary? Summary, string? Error);
}
