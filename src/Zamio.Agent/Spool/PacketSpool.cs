using Microsoft.Extensions.Logging;

namespace Zamio.Agent.Spool;

/// <summary>
/// Store-and-forward queue on disk. Every packet is appended (and handed to the OS) before anyone may publish it;
/// the delivery loop reads in sequence order and acknowledges after the broker (or HTTP ingest) confirmed, which
/// advances a persisted cursor. Restart resumes after the cursor: at-least-once, never a reused sequence number.
/// Bounded: when full, the oldest segment is dropped and counted.
/// </summary>
public sealed partial class PacketSpool : IDisposable
{
    private readonly object _gate = new();
    private readonly SpoolSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<SpoolSegment> _segments = [];
    private readonly DurableCounter _cursor;
    private readonly DurableCounter _reserved;
    private readonly SemaphoreSlim _dataAvailable = new(0, 1);
    private readonly byte[] _header = new byte[SpoolSegment.HeaderSize];

    private FileStream _writer = null!;
    private SpoolSegment _active = null!;
    private ulong _nextSequence;
    private long _lastWriterSync;
    private long _lastCursorSync;

    private SpoolSegment? _readSegment;
    private FileStream? _reader;
    private long _readPosition;
    private SpoolRecord? _peeked;
    private readonly Queue<ulong> _taken = new();
    private long _pending;
    private bool _disposed;

    public PacketSpool(SpoolSettings settings, TimeProvider time, ILogger<PacketSpool> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _time = time;
        _logger = logger;
        Directory.CreateDirectory(settings.Directory);
        _cursor = new DurableCounter(Path.Combine(settings.Directory, "ack.cursor"));
        _reserved = new DurableCounter(Path.Combine(settings.Directory, "sequence.reserved"));
        Recover();
    }

    /// <summary>Highest sequence number confirmed delivered.</summary>
    public ulong AckedSequence
    {
        get
        {
            lock (_gate)
            {
                return _cursor.Value;
            }
        }
    }

    /// <summary>Number the next appended packet gets.</summary>
    public ulong NextSequence
    {
        get
        {
            lock (_gate)
            {
                return _nextSequence;
            }
        }
    }

    /// <summary>Packets waiting for delivery.</summary>
    public long Depth => Interlocked.Read(ref _pending);

    /// <summary>Packets lost because the spool was full or a segment was corrupt.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public long SizeBytes
    {
        get
        {
            lock (_gate)
            {
                return _segments.Sum(s => s.Length);
            }
        }
    }

    private long _dropped;
    private ulong _droppedThrough;
    private static readonly TimeSpan DiskLogInterval = TimeSpan.FromMinutes(10);
    private bool _writerTorn;
    private long _failedWrites;
    private long? _failureLoggedAt;
    private long? _resumedLoggedAt;

    /// <summary>
    /// Assigns the next sequence number, lets <paramref name="encode"/> build the packet with it, and stores it.
    /// Null when the disk refused the write (full, or failing): that packet is lost and counted, the number is used
    /// by the next one, and the agent carries on, so a full disk costs the packets it cannot hold, not the station.
    /// </summary>
    public ulong? Append(Func<ulong, byte[]> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        ulong sequence;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            sequence = _nextSequence;
            var payload = encode(sequence);
            if (payload.Length > SpoolSegment.MaxPayload)
            {
                throw new ArgumentException($"Packet of {payload.Length} bytes exceeds the spool's {SpoolSegment.MaxPayload}-byte limit.");
            }

            try
            {
                Write(sequence, payload);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LoseUnwritten(ex);
                return null;
            }

            if (_failedWrites > 0 && Due(ref _resumedLoggedAt))
            {
                LogWritesResumed(_logger, _failedWrites);
                _failedWrites = 0;
            }

            _active.Length += SpoolSegment.HeaderSize + payload.Length;
            _active.LastSequence = sequence;
            _active.Count++;
            _nextSequence = sequence + 1;
            Interlocked.Increment(ref _pending);
            EnforceLimit();
        }

        Wake();
        return sequence;
    }

    private void Write(ulong sequence, byte[] payload)
    {
        if (sequence >= _reserved.Value)
        {
            _reserved.Write(sequence + _settings.SequenceReservation, durable: true);
        }

        if (_writerTorn)
        {
            // A failed append may have left part of a record behind the last whole one.
            _writer.SetLength(_active.Length);
            _writer.Position = _active.Length;
            _writerTorn = false;
        }

        if (_active.Length > 0 && _active.Length + SpoolSegment.HeaderSize + payload.Length > _settings.SegmentBytes)
        {
            Roll(sequence);
        }

        SpoolSegment.WriteHeader(_header, sequence, payload);
        _writerTorn = true;
        _writer.Write(_header);
        _writer.Write(payload);
        var now = _time.GetTimestamp();
        var durable = _time.GetElapsedTime(_lastWriterSync, now) >= _settings.FsyncInterval;
        _writer.Flush(durable);
        _writerTorn = false;
        if (durable)
        {
            _lastWriterSync = now;
        }
    }

    private void LoseUnwritten(Exception ex)
    {
        Interlocked.Increment(ref _dropped);
        _failedWrites++;
        if (Due(ref _failureLoggedAt))
        {
            LogWriteFailed(_logger, ex.Message);
        }
    }

    // A nearly full disk takes one write and refuses the next; its messages must not fill what space is left.
    private bool Due(ref long? loggedAt)
    {
        var now = _time.GetTimestamp();
        if (loggedAt is { } last && _time.GetElapsedTime(last, now) < DiskLogInterval)
        {
            return false;
        }

        loggedAt = now;
        return true;
    }

    /// <summary>The oldest undelivered packet, without removing it.</summary>
    public bool TryPeek(out SpoolRecord record)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _peeked ??= ReadNext();
            record = _peeked ?? default;
            return _peeked is not null;
        }
    }

    /// <summary>Returns after the next append or <see cref="Wake"/> (possibly at once if one happened since the last wait).</summary>
    public Task WaitForDataAsync(CancellationToken cancellationToken) => _dataAvailable.WaitAsync(cancellationToken);

    /// <summary>Releases a waiting reader without new data (e.g. the input has finished).</summary>
    public void Wake()
    {
        try
        {
            _dataAvailable.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake is already pending.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Hands out the next packet after every one already taken, for a window of publishes in flight. Taken packets
    /// must be acknowledged in the order they were taken; the cursor only ever moves past a contiguous prefix.
    /// </summary>
    public bool TryTake(out SpoolRecord record)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _peeked ??= ReadNext();
            record = _peeked ?? default;
            if (_peeked is null)
            {
                return false;
            }

            _peeked = null;
            _taken.Enqueue(record.Sequence);
            return true;
        }
    }

    /// <summary>
    /// Marks a packet delivered: the oldest taken one (see <see cref="TryTake"/>) or else the peeked one. The cursor
    /// moves past it and fully delivered segments are deleted. Acknowledging out of order throws.
    /// </summary>
    public void Acknowledge(ulong sequence)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (sequence <= _droppedThrough)
            {
                return; // dropped from a full spool while in flight; already counted as lost
            }

            if (_taken.TryPeek(out var oldestTaken))
            {
                if (oldestTaken != sequence)
                {
                    throw new InvalidOperationException($"Sequence {sequence} acknowledged out of order; the oldest packet in flight is {oldestTaken}.");
                }

                _taken.Dequeue();
            }
            else if (_peeked is { } peeked && peeked.Sequence == sequence)
            {
                _peeked = null;
            }
            else
            {
                throw new InvalidOperationException($"Sequence {sequence} is not the packet awaiting acknowledgement.");
            }

            var now = _time.GetTimestamp();
            var durable = _time.GetElapsedTime(_lastCursorSync, now) >= _settings.FsyncInterval;
            try
            {
                _cursor.Write(sequence, durable);
            }
            catch (IOException ex)
            {
                // The cursor stays where the disk has it: a restart re-sends from there, and central discards what it has seen.
                if (Due(ref _failureLoggedAt))
                {
                    LogWriteFailed(_logger, ex.Message);
                }
            }

            if (durable)
            {
                _lastCursorSync = now;
            }

            if (Interlocked.Decrement(ref _pending) < 0)
            {
                Interlocked.Exchange(ref _pending, 0);
            }

            while (_segments.Count > 1 && _segments[0] != _active && _segments[0].LastSequence <= sequence)
            {
                DeleteOldest();
            }
        }
    }

    /// <summary>Forces appended data and the cursor to disk.</summary>
    public void Sync()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _writer.Flush(flushToDisk: true);
                _cursor.Sync();
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                _writer.Flush(flushToDisk: true);
                _cursor.Sync();
                // A clean stop releases the unused reservation, so the next run continues without a jump.
                _reserved.Write(_nextSequence, durable: true);
            }
            catch (IOException)
            {
                // Every append already reached the OS; a failing disk at stop loses what a power cut would, and a
                // torn tail is cut at the next start.
            }

            _writer.Dispose();
            _reader?.Dispose();
            _cursor.Dispose();
            _reserved.Dispose();
        }

        _dataAvailable.Dispose();
    }

    private void Recover()
    {
        foreach (var path in Directory.EnumerateFiles(_settings.Directory))
        {
            if (SpoolSegment.TryParseName(Path.GetFileName(path), out var first))
            {
                _segments.Add(new SpoolSegment(path, first));
            }
        }

        _segments.Sort((a, b) => a.FirstSequence.CompareTo(b.FirstSequence));
        var acked = _cursor.Value;
        for (var i = 0; i < _segments.Count; i++)
        {
            Scan(_segments[i], truncateTornTail: i == _segments.Count - 1);
        }

        while (_segments.Count > 1 && _segments[0].LastSequence <= acked)
        {
            File.Delete(_segments[0].Path);
            _segments.RemoveAt(0);
        }

        var lastWritten = _segments.Count > 0 ? _segments[^1].LastSequence : 0;
        _nextSequence = Math.Max(Math.Max(lastWritten, acked) + 1, Math.Max(_reserved.Value, 1));
        _reserved.Write(_nextSequence + _settings.SequenceReservation, durable: true);

        // After a crash the numbers reserved but never written are skipped. They must not fall inside a segment: depth and
        // losses are counted by subtracting sequence numbers within one, so the next packets start a segment of their own.
        var last = _segments.Count > 0 ? _segments[^1] : null;
        if (last is { Count: 0 } && last.FirstSequence != _nextSequence)
        {
            File.Delete(last.Path);
            _segments.RemoveAt(_segments.Count - 1);
            last = null;
        }

        if (last is null || (last.Count > 0 && last.LastSequence + 1 != _nextSequence))
        {
            _segments.Add(NewSegment(_nextSequence));
        }

        _active = _segments[^1];
        _writer = OpenWriter(_active);
        _lastWriterSync = _lastCursorSync = _time.GetTimestamp();

        foreach (var segment in _segments)
        {
            _pending += segment.FirstSequence > acked ? segment.Count
                : segment.LastSequence > acked ? (long)(segment.LastSequence - acked)
                : 0;
        }

        _readSegment = _segments[0];
        _readPosition = 0;
        LogRecovered(_logger, _settings.Directory, _segments.Count, _pending, acked, _nextSequence);
    }

    /// <summary>Counts a segment's valid records; the tail of the newest segment is cut at the first bad record.</summary>
    private void Scan(SpoolSegment segment, bool truncateTornTail)
    {
        using var stream = new FileStream(segment.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        var end = stream.Length;
        long position = 0;
        while (SpoolSegment.ReadRecord(stream, position, end, out var next) is { } record)
        {
            segment.Count++;
            segment.LastSequence = record.Sequence;
            position = next;
        }

        segment.Length = position;
        if (position < end)
        {
            if (truncateTornTail)
            {
                // Only an interrupted append can leave a torn tail; the records before it are intact.
                stream.SetLength(position);
                stream.Flush(flushToDisk: true);
                LogTruncated(_logger, segment.Path, end - position);
            }
            else
            {
                LogCorrupt(_logger, segment.Path, position, end - position);
            }
        }
    }

    private FileStream OpenWriter(SpoolSegment segment)
    {
        var stream = _settings.OpenSegment(segment.Path);
        stream.Position = segment.Length;
        return stream;
    }

    private SpoolSegment NewSegment(ulong firstSequence) =>
        new(Path.Combine(_settings.Directory, SpoolSegment.FileName(firstSequence)), firstSequence);

    // The new segment is opened before the old one is let go, so a failure leaves the spool as it was.
    private void Roll(ulong firstSequence)
    {
        _writer.Flush(flushToDisk: true);
        var next = NewSegment(firstSequence);
        var writer = OpenWriter(next);
        _writer.Dispose();
        _writer = writer;
        _active = next;
        _segments.Add(_active);
    }

    private void EnforceLimit()
    {
        while (_segments.Count > 1 && _segments.Sum(s => s.Length) > _settings.MaxBytes)
        {
            var oldest = _segments[0];
            var acked = _cursor.Value;
            long lost = oldest.FirstSequence > acked ? oldest.Count
                : oldest.LastSequence > acked ? (long)(oldest.LastSequence - acked)
                : 0;
            if (_peeked is { } peeked && peeked.Sequence <= oldest.LastSequence)
            {
                _peeked = null;
            }

            while (_taken.TryPeek(out var taken) && taken <= oldest.LastSequence)
            {
                _taken.Dequeue();
            }

            _droppedThrough = Math.Max(_droppedThrough, oldest.LastSequence);

            DeleteOldest();
            if (lost > 0)
            {
                Interlocked.Add(ref _dropped, lost);
                Interlocked.Add(ref _pending, -lost);
                LogSpoolFull(_logger, lost, oldest.FirstSequence, oldest.LastSequence);
            }
        }
    }

    private void DeleteOldest()
    {
        var oldest = _segments[0];
        _segments.RemoveAt(0);
        if (_readSegment == oldest)
        {
            _reader?.Dispose();
            _reader = null;
            _readSegment = _segments[0];
            _readPosition = 0;
        }

        File.Delete(oldest.Path);
    }

    private SpoolRecord? ReadNext()
    {
        while (_readSegment is not null)
        {
            _reader ??= new FileStream(_readSegment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            var end = _readSegment.Length;
            if (SpoolSegment.ReadRecord(_reader, _readPosition, end, out var next) is { } record)
            {
                _readPosition = next;
                if (record.Sequence > _cursor.Value)
                {
                    return record;
                }

                continue; // delivered before a restart
            }

            if (_readPosition < end)
            {
                // Corrupt in the middle of a segment (disk error): skip its rest rather than stall delivery forever.
                var lost = _readSegment.LastSequence > _cursor.Value ? 1L : 0L;
                LogCorrupt(_logger, _readSegment.Path, _readPosition, end - _readPosition);
                Interlocked.Add(ref _dropped, lost);
                _readPosition = end;
            }

            if (_readSegment == _active)
            {
                return null;
            }

            _reader.Dispose();
            _reader = null;
            var index = _segments.IndexOf(_readSegment);
            _readSegment = index >= 0 && index + 1 < _segments.Count ? _segments[index + 1] : _active;
            _readPosition = 0;
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Spool {Directory}: {Segments} segment(s), {Pending} packet(s) to deliver, acknowledged up to {Acked}, next sequence {Next}")]
    private static partial void LogRecovered(ILogger logger, string directory, int segments, long pending, ulong acked, ulong next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool segment {Path} ended in a torn record; cut {Bytes} byte(s) (an append interrupted by a crash)")]
    private static partial void LogTruncated(ILogger logger, string path, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool segment {Path} is corrupt at byte {Position}; skipping {Bytes} byte(s)")]
    private static partial void LogCorrupt(ILogger logger, string path, long position, long bytes);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spool write failed ({Reason}): packets are lost until the disk takes writes again (said at most every 10 minutes)")]
    private static partial void LogWriteFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool writes resumed; {Count} packet(s) were lost while the disk refused them")]
    private static partial void LogWritesResumed(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Spool full: dropped {Count} undelivered packet(s), sequences {First}..{Last}")]
    private static partial void LogSpoolFull(ILogger logger, long count, ulong first, ulong last);
}
