using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;

namespace Zamio.Central.Archive;

/// <summary>
/// Keeps every packet the ingest loop matched, per station and capture day, for <see cref="ArchiveOptions.Days"/>
/// days (see <see cref="ArchiveFiles"/>). Ingest only queues the bytes; one loop appends them every
/// <see cref="ArchiveOptions.FlushSeconds"/> and deletes expired days. A full queue or a failing disk costs archive
/// entries (counted and logged once per episode), never matching.
/// </summary>
public sealed partial class PacketArchive : BackgroundService
{
    private static readonly TimeSpan RetentionCheck = TimeSpan.FromHours(1);

    private readonly ArchiveOptions _options;
    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly ILogger<PacketArchive> _logger;
    private readonly Channel<(string Station, DateOnly Day, byte[] Packet)> _queue;
    private long _written;
    private long _dropped;
    private long _failed;
    private long _bytes;
    private int _dropping; // 1 from a dropped packet until the next write: one log line per episode
    private DateTimeOffset _nextRetention = DateTimeOffset.MinValue;

    public PacketArchive(IOptions<ArchiveOptions> options, IOptions<ServeOptions> serve, TimeProvider time, ILogger<PacketArchive> logger)
    {
        _options = options.Value;
        _root = _options.ResolveDirectory(serve.Value.DataDirectory);
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<(string, DateOnly, byte[])>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            // Wait, not DropWrite: TryWrite then says when the queue is full (DropWrite drops and returns true).
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public bool Enabled => _options.Days > 0;

    public string Root => _root;

    /// <summary>Packets appended to the archive since start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Packets not archived: the queue was full, or the disk refused them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped) + Interlocked.Read(ref _failed);

    /// <summary>The archive's size on disk at the last hourly check.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Queues an accepted packet; never blocks the ingest loop.</summary>
    public void Add(string station, DateTimeOffset capture, byte[] packet)
    {
        if (!Enabled)
        {
            return;
        }

        if (!_queue.Writer.TryWrite((station, ArchiveFiles.DayOf(capture), packet)))
        {
            Interlocked.Increment(ref _dropped);
            if (Interlocked.Exchange(ref _dropping, 1) == 0)
            {
                LogQueueFull(_logger, _options.QueueCapacity);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        LogArchiving(_logger, _root, _options.Days);
        var period = TimeSpan.FromSeconds(_options.FlushSeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Expire();
                await Task.Delay(period, _time, stoppingToken).ConfigureAwait(false);
                Flush();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Ingest has stopped by now (it is registered after this, so stopped before): keep what it matched last.
        Flush();
    }

    /// <summary>Appends everything queued so far, one open per file.</summary>
    internal void Flush()
    {
        var batch = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        while (_queue.Reader.TryRead(out var item))
        {
            var path = ArchiveFiles.DayFile(_root, item.Station, item.Day);
            if (!batch.TryGetValue(path, out var packets))
            {
                batch[path] = packets = [];
            }

            packets.Add(item.Packet);
        }

        foreach (var (path, packets) in batch)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 64 * 1024);
                foreach (var packet in packets)
                {
                    ArchiveFiles.WriteRecord(file, packet);
                }

                Interlocked.Add(ref _written, packets.Count);
                Interlocked.Exchange(ref _dropping, 0);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Interlocked.Add(ref _failed, packets.Count);
                if (Interlocked.Exchange(ref _dropping, 1) == 0)
                {
                    LogWriteFailed(_logger, ex, path);
                }
            }
        }
    }

    /// <summary>
    /// Deletes the days older than the retention, then, while the archive is over its size cap, the oldest days left
    /// (checked hourly); a day still being written is never deleted.
    /// </summary>
    internal void Expire()
    {
        var now = _time.GetUtcNow();
        if (now < _nextRetention || !Directory.Exists(_root))
        {
            return;
        }

        _nextRetention = now + RetentionCheck;
        var today = ArchiveFiles.DayOf(now);
        var oldestKept = today.AddDays(1 - _options.Days);
        var cap = (long)(_options.MaxGigabytes * 1e9);
        int expired = 0, overCap = 0;
        try
        {
            var files = Directory.EnumerateFiles(_root, "*" + ArchiveFiles.Extension, SearchOption.AllDirectories)
                .Select(path => (Path: path, Day: ArchiveFiles.DayOfFile(path)))
                .Where(f => f.Day is not null)
                .Select(f => (f.Path, Day: f.Day!.Value, Bytes: new FileInfo(f.Path).Length))
                .OrderBy(f => f.Day)
                .ToList();
            var total = files.Sum(f => f.Bytes);
            foreach (var (path, day, bytes) in files)
            {
                var tooOld = day < oldestKept;
                if (!tooOld && (cap <= 0 || total <= cap || day >= today))
                {
                    continue;
                }

                File.Delete(path);
                total -= bytes;
                if (tooOld)
                {
                    expired++;
                }
                else
                {
                    overCap++;
                }
            }

            Interlocked.Exchange(ref _bytes, total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogExpireFailed(_logger, ex, _root);
        }

        if (expired > 0)
        {
            LogExpired(_logger, expired, oldestKept);
        }

        if (overCap > 0)
        {
            LogOverCap(_logger, overCap, _options.MaxGigabytes);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archiving matched fingerprints under {Root} for {Days} day(s)")]
    private static partial void LogArchiving(ILogger logger, string root, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fingerprint archive queue full ({Capacity} packets): packets are left out of the archive (matching goes on)")]
    private static partial void LogQueueFull(ILogger logger, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not append to the fingerprint archive at {Path}: packets are left out of it (matching goes on)")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete expired days of the fingerprint archive under {Root}")]
    private static partial void LogExpireFailed(ILogger logger, Exception exception, string root);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Files} archive day file(s) from before {OldestKept}")]
    private static partial void LogExpired(ILogger logger, int files, DateOnly oldestKept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fingerprint archive over its cap of {Gigabytes} GB: deleted its {Files} oldest day file(s) before their time (raise Zamio:Archive:MaxGigabytes or lower Days)")]
    private static partial void LogOverCap(ILogger logger, int files, double gigabytes);
}
