using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zamio.Central.Storage;

namespace Zamio.Central.Archive;

/// <summary>
/// Runs the rematches asked for over HTTP one at a time, on <see cref="ArchiveOptions.RematchThreads"/> threads, so
/// live ingest keeps the rest of the machine. A few may wait. Each job is stored as it is queued, starts and ends
/// (<see cref="RematchJobStore"/>), so any instance shows it, after a restart too; the last <see cref="Kept"/> are also
/// kept in memory, where their progress is current.
/// </summary>
public sealed partial class RematchJobs(
    IPlayStore store, RematchJobStore saved, IOptions<ArchiveOptions> options, TimeProvider time, ILogger<RematchJobs> logger) : BackgroundService
{
    /// <summary>Jobs that may wait behind the running one.</summary>
    public const int QueueCapacity = 4;

    /// <summary>How often the running instance rewrites its unfinished jobs' rows (<see cref="RematchJobHeartbeat"/>).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(10);

    /// <summary>A stored job still queued or running that was not rewritten for this long lost its instance.</summary>
    public static readonly TimeSpan Orphaned = TimeSpan.FromSeconds(60);

    private const int Kept = 100;

    private static readonly TimeSpan StoredFor = TimeSpan.FromDays(30);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Channel<RematchJob> _queue = Channel.CreateBounded<RematchJob>(QueueCapacity);
    private readonly ConcurrentDictionary<string, RematchJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RematchJob> _order = new();
    private int _saveFailing;

    /// <summary>Queues a rematch of <paramref name="readers"/>' stations; null when <see cref="QueueCapacity"/> already wait.</summary>
    public RematchJob? TryQueue(string? station, RematchRun run, IReadOnlyList<ArchiveReader> readers)
    {
        var job = new RematchJob(Guid.NewGuid().ToString("N")[..16], station, run, readers, time.GetUtcNow());
        _jobs[job.Id] = job;
        if (!_queue.Writer.TryWrite(job))
        {
            _jobs.TryRemove(job.Id, out _);
            return null;
        }

        _order.Enqueue(job);
        while (_order.Count > Kept && _order.TryPeek(out var oldest) && oldest.Ended is not null && _order.TryDequeue(out oldest))
        {
            _jobs.TryRemove(oldest.Id, out _);
        }

        Save(job, () => saved.Forget(job.Queued - StoredFor));
        return job;
    }

    /// <summary>A job this instance holds in memory.</summary>
    public RematchJob? Find(string id) => _jobs.GetValueOrDefault(id);

    /// <summary>
    /// A job as the API shows it: from memory when this instance has it, else as stored, where a job its instance no
    /// longer vouches for is shown failed. Throws what the database throws when it cannot be read.
    /// </summary>
    public RematchResponse? Show(string id)
    {
        if (Find(id) is { } job)
        {
            return RematchResponse.Of(job);
        }

        return saved.Find(id) is { } stored ? Shown(stored) : null;
    }

    /// <summary>
    /// The jobs queued last on any instance sharing the database, newest first, without their plays (<see cref="Show"/>
    /// gives them). Throws what the database throws when it cannot be read.
    /// </summary>
    public IReadOnlyList<RematchResponse> Latest(int limit) =>
        [.. saved.Latest(limit).Select(Shown).OfType<RematchResponse>()
            .Select(job => (Find(job.Id) is { } held ? RematchResponse.Of(held) : job) with { Plays = null })];

    private RematchResponse? Shown(StoredRematchJob stored)
    {
        if (JsonSerializer.Deserialize<RematchResponse>(stored.Job, Json) is not { } shown)
        {
            return null;
        }

        var seen = DateTimeOffset.Parse(stored.SeenAt, CultureInfo.InvariantCulture);
        return stored.Status is "queued" or "running" && time.GetUtcNow() - seen > Orphaned
            ? shown with
            {
                Status = "failed",
                Error = $"The instance running it stopped before it finished (last heard of at {seen.UtcDateTime:O}); plays it wrote stay written.",
            }
            : shown;
    }

    /// <summary>Rewrites the rows of the jobs this instance has not finished: their progress, and that they still run.</summary>
    public void SaveUnfinished()
    {
        foreach (var job in _jobs.Values.Where(j => j.Ended is null))
        {
            Save(job);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunAsync(job, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            while (_queue.Reader.TryRead(out var waiting))
            {
                End(waiting, new RematchJob.Outcome(time.GetUtcNow(), [], null, "central stopped before the rematch ran"));
            }
        }
    }

    private async Task RunAsync(RematchJob job, CancellationToken stoppingToken)
    {
        job.Started();
        Save(job);
        LogStarted(logger, job.Id, job.Readers.Count, job.Run.From, job.Run.To);
        try
        {
            var (findings, summary) = await job.Run.ExecuteAsync(job.Readers, store, options.Value.RematchThreads, background: true, job.StationDone, time, stoppingToken)
                .ConfigureAwait(false);
            End(job, new RematchJob.Outcome(time.GetUtcNow(), findings, summary, null));
            LogDone(logger, job.Id, findings.Count, findings.Count(f => f.Stored is "new" or "written"), summary.Seconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            End(job, new RematchJob.Outcome(time.GetUtcNow(), [], null, "central stopped before the rematch finished; nothing was written"));
            throw;
        }
        catch (Exception ex)
        {
            // A damaged archive file, the play store down while writing: this job fails, the next one runs.
            End(job, new RematchJob.Outcome(time.GetUtcNow(), [], null, ex.Message));
            LogFailed(logger, ex, job.Id);
        }
    }

    private void End(RematchJob job, RematchJob.Outcome outcome)
    {
        job.End(outcome);
        Save(job);
    }

    // The job runs on whether or not its row is written: the store is how other instances and a restart see it.
    private void Save(RematchJob job, Action? then = null)
    {
        try
        {
            var shown = RematchResponse.Of(job);
            saved.Save(job.Id, shown.Status, job.Queued, time.GetUtcNow(), JsonSerializer.Serialize(shown, Json));
            then?.Invoke();
            if (Interlocked.Exchange(ref _saveFailing, 0) == 1)
            {
                LogSaveRecovered(logger);
            }
        }
        catch (Exception ex) when (ex is DbException or TimeoutException or InvalidOperationException)
        {
            if (Interlocked.Exchange(ref _saveFailing, 1) == 0)
            {
                LogSaveFailed(logger, ex, job.Id);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rematch {Job} could not be stored; other instances and a restart will not see it until the database answers")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rematch jobs are stored again")]
    private static partial void LogSaveRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rematch {Job}: {Stations} station(s) from {From:O} to {To:O}")]
    private static partial void LogStarted(ILogger logger, string job, int stations, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rematch {Job} done: {Plays} play(s), {New} new, in {Seconds:F1} s")]
    private static partial void LogDone(ILogger logger, string job, int plays, int @new, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rematch {Job} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string job);
}
