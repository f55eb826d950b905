using Zamio.Shared.Wire;

namespace Zamio.Central.Archive;

/// <summary>What reading a station's archive found besides its packets.</summary>
public sealed record ArchiveReadStats(int Files, long Packets, long Duplicates, long Unreadable, long SkippedBytes);

/// <summary>
/// A station's archived packets in [from, to), from one or more archive folders (each instance's, when they do not
/// share one), a day at a time: each stream's packets in sequence order, a packet kept in two folders once.
/// </summary>
public sealed class ArchiveReader(IReadOnlyList<string> roots, string station)
{
    private int _files;
    private long _packets;
    private long _duplicates;
    private long _unreadable;
    private long _skippedBytes;

    public string Station => station;

    public ArchiveReadStats Stats => new(_files, _packets, _duplicates, _unreadable, _skippedBytes);

    /// <summary>The folders hold no day file of the station in the period.</summary>
    public bool IsEmpty(DateTimeOffset from, DateTimeOffset to) => !Days(from, to).Any(day => roots.Any(root => File.Exists(ArchiveFiles.DayFile(root, station, day))));

    public IEnumerable<FingerprintPacket> Read(DateTimeOffset from, DateTimeOffset to)
    {
        foreach (var day in Days(from, to))
        {
            // The day's records stay as the bytes read; each is decoded again when its turn comes, so a day in memory
            // costs its file, not its decoded peaks.
            var records = new Dictionary<(long Stream, ulong Sequence), ReadOnlyMemory<byte>>();
            foreach (var root in roots)
            {
                var path = ArchiveFiles.DayFile(root, station, day);
                if (!File.Exists(path))
                {
                    continue;
                }

                _files++;
                var whole = ArchiveFiles.ReadRecords(ReadShared(path), out var skipped);
                _skippedBytes += skipped;
                foreach (var record in whole)
                {
                    if (!FingerprintPacket.TryDecode(record.Span, out var packet, out _) || packet.StationId != station)
                    {
                        _unreadable++;
                    }
                    else if (packet.CaptureStart >= from && packet.CaptureStart < to && !records.TryAdd((packet.StreamStartUnixMicros, packet.Sequence), record))
                    {
                        _duplicates++;
                    }
                }
            }

            _packets += records.Count;
            foreach (var key in records.Keys.Order())
            {
                yield return FingerprintPacket.Decode(records[key].Span);
            }
        }
    }

    // Today's file may be open for appending by a running serve: read it alongside (its last record may be half written,
    // and is skipped as such).
    private static byte[] ReadShared(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        // What is there when it is opened, read once into an array of its size (a growing buffer doubled the day's memory).
        var bytes = new byte[file.Length];
        file.ReadExactly(bytes);
        return bytes;
    }

    private static IEnumerable<DateOnly> Days(DateTimeOffset from, DateTimeOffset to)
    {
        for (var day = ArchiveFiles.DayOf(from); day <= ArchiveFiles.DayOf(to.AddTicks(-1)); day = day.AddDays(1))
        {
            yield return day;
        }
    }
}
