using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zamio.Central.Storage;

namespace Zamio.Central.Archive;

/// <summary>
/// Runs the rematches asked for over HTTP one at a time, on <see cref="ArchiveOptions.RematchThreads"/> threads, so
/// live ingest keeps the rest of the machine. A few may wait; the last <see cref="Kept"/> are kept, in memory only (a
/// restart forgets them; what they wrote stays written).
/// </summary>
public sealed partial class RematchJobs(IPlayStore store, IOptions<ArchiveOptions> options, TimeProvider time, ILogger<RematchJobs> logger) : BackgroundService
{
    /// <summary>Jobs that may wait behind the running one.</summary>
    public const int QueueCapacity = 4;

    private const int Kept = 100;

    private readonly Channel<RematchJob> _queue = Channel.CreateBounded<RematchJob>(QueueCapacity);
    private readonly ConcurrentDictionary<string, RematchJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RematchJob> _order = new();

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

        return job;
    }

    public RematchJob? Find(string id) => _jobs.GetValueOrDefault(id);

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
                waiting.End(new RematchJob.Outcome(time.GetUtcNow(), [], null, "central stopped before the rematch ran"));
            }
        }
    }

    private async Task RunAsync(RematchJob job, CancellationToken stoppingToken)
    {
        job.Started();
        LogStarted(logger, job.Id, job.Readers.Count, job.Run.From, job.Run.To);
        try
        {
            var (findings, summary) = await job.Run.ExecuteAsync(job.Readers, store, options.Value.RematchThreads, background: true, job.StationDone, time, stoppingToken)
                .ConfigureAwait(false);
            job.End(new RematchJob.Outcome(time.GetUtcNow(), findings, summary, null));
            LogDone(logger, job.Id, findings.Count, findings.Count(f => f.Stored is "new" or "written"), summary.Seconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            job.End(new RematchJob.Outcome(time.GetUtcNow(), [], null, "central stopped before the rematch finished; nothing was written"));
            throw;
        }
        catch (Exception ex)
        {
            // A damaged archive file, the play store down while writing: this job fails, the next one runs.
            job.End(new RematchJob.Outcome(time.GetUtcNow(), [], null, ex.Message));
            LogFailed(logger, ex, job.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rematch {Job}: {Stations} station(s) from {From:O} to {To:O}")]
    private static partial void LogStarted(ILogger logger, string job, int stations, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rematch {Job} done: {Plays} play(s), {New} new, in {Seconds:F1} s")]
    private static partial void LogDone(ILogger logger, string job, int plays, int @new, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rematch {Job} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string job);
}
