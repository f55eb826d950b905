using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Zamio.Central.Storage;

namespace Zamio.Central.Plays;

/// <summary>One stored play, as the API returns it.</summary>
public sealed record PlayRecord(
    string Station,
    string PlayKey,
    string Track,
    DateTimeOffset Start,
    DateTimeOffset End,
    double Confidence,
    double Speed,
    string Status);

/// <summary>Counters of the play writer, for health and metrics.</summary>
public sealed record PlayWriterState(bool Healthy, int Pending, long Written, long Dropped, long Failures, string? LastError);

/// <summary>
/// Plays on their way to the <see cref="IPlayStore"/>: ingest hands them over without waiting on the database;
/// a background writer upserts them in batches. Updates of one play coalesce in a bounded buffer, so while the
/// database is down (Polly retries with exponential backoff) nothing is lost until the buffer is full, and past
/// that every dropped play is counted and logged. What waits is saved to the <see cref="PlayJournal"/> every
/// <see cref="JournalEvery"/> while the database is away and when central stops, and is queued again at the next start.
/// </summary>
public sealed partial class PlayStore : BackgroundService
{
    /// <summary>How often plays waiting on an unreachable database are saved to the <see cref="PlayJournal"/>.</summary>
    public static readonly TimeSpan JournalEvery = TimeSpan.FromSeconds(5);

    private readonly IPlayStore _backend;
    private readonly StorageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PlayStore> _logger;
    private PlayJournal? _journal; // null too when another process holds it
    private readonly PlayFeed? _feed;
    private readonly Metrics.CentralMetrics? _metrics;
    private readonly ResiliencePipeline _pipeline;
    private readonly Lock _gate = new();
    private readonly Channel<byte> _signal = Channel.CreateBounded<byte>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = [];
    private Dictionary<(string Station, string Key), (PlayRecord Play, long Sequence)> _pending = [];
    private readonly Dictionary<(string Station, string Key), (PlayRecord Play, long Sequence)> _inFlight = [];
    private int _inFlightOnly; // plays in the batch being written with no newer update pending: each counts once
    private long _enqueued;
    private long _journalled; // the newest update the journal file holds; 0 when there is no file
    private DateTimeOffset _journalSaved = DateTimeOffset.MinValue;
    private long _writtenSequence;
    private long _written;
    private long _dropped;
    private long _failures;
    private int _overflowing; // 1 from a dropped play until the next write succeeds: one log line per overflow
    private bool _stopping; // under _gate: the last flush has begun, and plays coming later are dropped
    private volatile bool _healthy = true;
    private volatile string? _lastError;

    public PlayStore(
        IPlayStore backend, IOptions<StorageOptions> options, TimeProvider time, ILogger<PlayStore> logger, PlayJournal? journal = null, PlayFeed? feed = null,
        Metrics.CentralMetrics? metrics = null)
    {
        _backend = backend;
        _journal = journal;
        _feed = feed;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(StorageErrors.IsTransient),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(_options.RetryDelayMilliseconds),
                MaxDelay = TimeSpan.FromMilliseconds(Math.Max(_options.RetryDelayMilliseconds, _options.MaxRetryDelayMilliseconds)),
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _failures);
                    var first = _healthy;
                    _healthy = false;
                    _lastError = args.Outcome.Exception?.Message;
                    if (first)
                    {
                        LogWriteFailing(_logger, args.Outcome.Exception, Pending);
                    }

                    // While the database is away, what waits is kept on disk too, so a crash loses at most the last few seconds.
                    if (_time.GetUtcNow() - _journalSaved >= JournalEvery)
                    {
                        SaveJournal();
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count + _inFlightOnly;
            }
        }
    }

    public PlayWriterState State => new(_healthy, Pending, Interlocked.Read(ref _written), Interlocked.Read(ref _dropped), Interlocked.Read(ref _failures), _lastError);

    /// <summary>Queues plays for writing; never blocks on the database.</summary>
    public void Upsert(IReadOnlyList<PlayRecord> plays)
    {
        if (plays.Count == 0)
        {
            return;
        }

        var dropped = 0;
        bool stopped;
        lock (_gate)
        {
            // Ingest stops before the writer; a play that still came would wait in the buffer, never written nor counted.
            stopped = _stopping;
            foreach (var play in plays)
            {
                var key = (play.Station, play.PlayKey);
                var known = _pending.ContainsKey(key);
                var writing = !known && _inFlight.ContainsKey(key);
                if (stopped || (_pending.Count + _inFlightOnly >= _options.PlayBufferCapacity && !known && !writing))
                {
                    dropped++;
                    continue;
                }

                if (writing)
                {
                    _inFlightOnly--;
                }

                _pending[key] = (play, ++_enqueued);
            }
        }

        if (dropped > 0)
        {
            Interlocked.Add(ref _dropped, dropped);
            if (stopped)
            {
                LogDroppedAfterStop(_logger, dropped);
            }
            else if (Interlocked.Exchange(ref _overflowing, 1) == 0)
            {
                LogBufferFull(_logger, _options.PlayBufferCapacity);
            }
        }

        _signal.Writer.TryWrite(0);
    }

    /// <summary>Plays overlapping [from, to), optionally for one station, by start time (written plays only).</summary>
    public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) =>
        _backend.Query(station, from, to, limit, after);

    /// <inheritdoc cref="IPlayStore.Airplay"/>
    public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => _backend.Airplay(station, from, to);

    /// <summary>The station's plays stored as ongoing (written plays only).</summary>
    public IReadOnlyList<PlayRecord> Ongoing(string station) => _backend.Ongoing(station);

    /// <summary>Completes when every play queued before the call has been written.</summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_writtenSequence >= _enqueued)
            {
                return Task.CompletedTask;
            }

            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushWaiters.Add((_enqueued, done));
        }

        _signal.Writer.TryWrite(0);
        return done.Task.WaitAsync(cancellationToken);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_journal is not null && !_journal.Claim())
        {
            _journal = null;
        }

        if (_journal?.Load() is { Count: > 0 } unwritten)
        {
            Upsert(unwritten);
            lock (_gate)
            {
                _journalled = _enqueued;
            }
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _signal.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _signal.Reader.TryRead(out _);
                while (await WriteBatchAsync(retry: true, stoppingToken).ConfigureAwait(false))
                {
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _stopping = true;
        }

        try
        {
            // One last attempt without retries: what cannot be written now is reported, not waited for.
            while (await WriteBatchAsync(retry: false, cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (Exception ex) when (StorageErrors.IsTransient(ex) || ex is OperationCanceledException)
        {
            LogUnwrittenAtStop(_logger, Pending);
        }

        SaveJournal(final: true);
    }

    /// <summary>Replaces the journal with every play not written yet, in the batch being written too.</summary>
    private void SaveJournal(bool final = false)
    {
        if (_journal is null)
        {
            return;
        }

        List<(PlayRecord Play, long Sequence)> unwritten;
        lock (_gate)
        {
            unwritten = [.. _inFlight.Where(f => !_pending.ContainsKey(f.Key)).Select(f => f.Value).Concat(_pending.Values).OrderBy(p => p.Sequence)];
        }

        _journalSaved = _time.GetUtcNow();
        try
        {
            _journal.Save([.. unwritten.Select(u => u.Play)]);
            lock (_gate)
            {
                _journalled = unwritten.Count == 0 ? 0 : unwritten[^1].Sequence;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (final)
            {
                Interlocked.Add(ref _dropped, unwritten.Count);
            }

            LogJournalFailed(_logger, ex, unwritten.Count, _journal.Path, final ? "are lost" : "are kept in memory only");
        }
    }

    /// <summary>Writes one batch; returns false when nothing was pending.</summary>
    private async Task<bool> WriteBatchAsync(bool retry, CancellationToken cancellationToken)
    {
        List<(PlayRecord Play, long Sequence)> batch;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return false;
            }

            batch = [.. _pending.Values.OrderBy(p => p.Sequence).Take(_options.WriteBatchSize)];
            foreach (var (play, _) in batch)
            {
                _pending.Remove((play.Station, play.PlayKey));
            }

            foreach (var entry in batch)
            {
                _inFlight[(entry.Play.Station, entry.Play.PlayKey)] = entry;
            }

            _inFlightOnly = batch.Count;
        }

        var plays = batch.ConvertAll(b => b.Play);
        var started = _time.GetTimestamp();
        try
        {
            await WriteAsync(plays, retry, cancellationToken).ConfigureAwait(false);
            _metrics?.PlayBatchWritten(_time.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is OperationCanceledException || StorageErrors.IsTransient(ex))
        {
            Requeue(batch);
            throw;
        }
        catch (Exception ex)
        {
            // Not a connectivity problem: a play the database refuses (a bug, a constraint). One at a time, only the
            // plays it refuses are lost, not the rest of the batch with them.
            LogBatchRejected(_logger, ex, batch.Count);
            await WriteOneByOneAsync(batch, retry, cancellationToken).ConfigureAwait(false);
            Completed();
            return true;
        }

        Written(plays);
        Completed();
        return true;
    }

    private async Task WriteOneByOneAsync(List<(PlayRecord Play, long Sequence)> batch, bool retry, CancellationToken cancellationToken)
    {
        // A schema or constraint problem refuses every play alike: the first refusal is logged with its error, the rest
        // are counted in one line, not a line and a stack trace each for up to a batch of plays.
        var refused = 0;
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                var play = batch[i].Play;
                try
                {
                    await WriteAsync([play], retry, cancellationToken).ConfigureAwait(false);
                    Written([play]);
                }
                catch (Exception ex) when (ex is OperationCanceledException || StorageErrors.IsTransient(ex))
                {
                    Requeue(batch.GetRange(i, batch.Count - i));
                    throw;
                }
                catch (Exception ex)
                {
                    Interlocked.Increment(ref _dropped);
                    _lastError = ex.Message;
                    if (refused++ == 0)
                    {
                        LogWriteRejected(_logger, ex, play.Station, play.PlayKey);
                    }
                }
            }
        }
        finally
        {
            if (refused > 1)
            {
                LogMoreRejected(_logger, refused - 1, batch.Count);
            }
        }
    }

    private async Task WriteAsync(List<PlayRecord> plays, bool retry, CancellationToken cancellationToken)
    {
        if (retry)
        {
            await _pipeline.ExecuteAsync(
                async (state, ct) => await state.Backend.UpsertAsync(state.Plays, state.Time.GetUtcNow(), ct).ConfigureAwait(false),
                (Backend: _backend, Plays: plays, Time: _time),
                cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _backend.UpsertAsync(plays, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }
    }

    private void Written(List<PlayRecord> plays)
    {
        var count = plays.Count;
        _feed?.Publish(plays);
        Interlocked.Add(ref _written, count);
        Volatile.Write(ref _overflowing, 0);
        if (!_healthy)
        {
            _healthy = true;
            LogWriteRecovered(_logger, count);
        }
    }

    private void Requeue(List<(PlayRecord Play, long Sequence)> batch)
    {
        lock (_gate)
        {
            _inFlight.Clear();
            _inFlightOnly = 0;
            foreach (var entry in batch)
            {
                // A newer update that arrived meanwhile wins.
                _pending.TryAdd((entry.Play.Station, entry.Play.PlayKey), entry);
            }
        }
    }

    private void Completed()
    {
        List<TaskCompletionSource> done = [];
        lock (_gate)
        {
            _inFlight.Clear();
            _inFlightOnly = 0;
            // One writer: everything older than the oldest update still pending is written.
            _writtenSequence = _pending.Count == 0 ? _enqueued : _pending.Values.Min(p => p.Sequence) - 1;
            if (_journalled > 0 && _writtenSequence >= _journalled)
            {
                _journalled = 0;
                _journal?.Forget();
            }
            for (var i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (_flushWaiters[i].Target <= _writtenSequence)
                {
                    done.Add(_flushWaiters[i].Done);
                    _flushWaiters.RemoveAt(i);
                }
            }
        }

        foreach (var tcs in done)
        {
            tcs.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing plays failed; {Pending} play(s) buffered in memory, retrying with backoff")]
    private static partial void LogWriteFailing(ILogger logger, Exception? exception, int pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "Play writes recovered; {Count} buffered play(s) written")]
    private static partial void LogWriteRecovered(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Play buffer full ({Capacity} plays): new plays are dropped and counted until the database returns")]
    private static partial void LogBufferFull(ILogger logger, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} play(s) was rejected by the database; writing them one at a time")]
    private static partial void LogBatchRejected(ILogger logger, Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Play {PlayKey} of station {Station} rejected by the database and dropped")]
    private static partial void LogWriteRejected(ILogger logger, Exception exception, string station, string playKey);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} more play(s) of that batch of {Batch} rejected by the database and dropped")]
    private static partial void LogMoreRejected(ILogger logger, int count, int batch);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} play(s) arrived after the play writer stopped and were dropped")]
    private static partial void LogDroppedAfterStop(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} unwritten play(s) could not be kept in {Path} and {Outcome}")]
    private static partial void LogJournalFailed(ILogger logger, Exception exception, int count, string path, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping with {Pending} play(s) not written (database unreachable)")]
    private static partial void LogUnwrittenAtStop(ILogger logger, int pending);
}
