using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Zamio.Agent.Spool;

namespace Zamio.Agent.Tests;

public sealed class SpoolTests
{
    private static PacketSpool Open(string dir, long maxBytes = 1 << 30, long segmentBytes = 4096) =>
        new(new SpoolSettings(dir, maxBytes) { SegmentBytes = segmentBytes }, TimeProvider.System, NullLogger<PacketSpool>.Instance);

    private static byte[] Payload(ulong sequence, int size = 100)
    {
        var bytes = new byte[size];
        new Random((int)sequence).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public void CursorAndSequencePersistAcrossRestart()
    {
        using var dir = new TempDir();
        using (var spool = Open(dir.Path))
        {
            for (var i = 0; i < 100; i++)
            {
                spool.Append(s => Payload(s));
            }

            for (ulong s = 1; s <= 40; s++)
            {
                Assert.True(spool.TryPeek(out var r));
                Assert.Equal(s, r.Sequence);
                Assert.Equal(Payload(s), r.Payload);
                spool.Acknowledge(s);
            }
        }

        using var reopened = Open(dir.Path);
        Assert.Equal(40UL, reopened.AckedSequence);
        Assert.Equal(60, reopened.Depth);
        Assert.Equal(101UL, reopened.NextSequence);
        for (ulong s = 41; s <= 100; s++)
        {
            Assert.True(reopened.TryPeek(out var r));
            Assert.Equal(s, r.Sequence);
            reopened.Acknowledge(s);
        }

        Assert.False(reopened.TryPeek(out _));
        Assert.Equal(101UL, reopened.Append(s => Payload(s)));
        Assert.True(Directory.GetFiles(dir.Path, "seg-*").Length <= 2, "delivered segments are deleted");
    }

    [Fact]
    public void Reopen_AfterACrashSkippedNumbers_DepthCountsPacketsNotTheSkippedNumbers()
    {
        using var dir = new TempDir();
        using (var spool = Open(dir.Path, segmentBytes: 1 << 20))
        {
            for (var i = 0; i < 10; i++)
            {
                spool.Append(s => Payload(s));
            }
        }

        // What a kill or a power cut leaves: the numbers reserved at the last start were never given back.
        using (var reserved = new DurableCounter(Path.Combine(dir.Path, "sequence.reserved")))
        {
            reserved.Write(11 + 4096, durable: true);
        }

        using (var spool = Open(dir.Path, segmentBytes: 1 << 20))
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.True(spool.Append(s => Payload(s)) > 4096);
            }

            for (ulong s = 1; s <= 5; s++)
            {
                Assert.True(spool.TryPeek(out var r));
                spool.Acknowledge(r.Sequence);
            }

            Assert.Equal(15, spool.Depth);
        }

        using var reopened = Open(dir.Path, segmentBytes: 1 << 20);
        Assert.Equal(15, reopened.Depth);
        var delivered = 0;
        while (reopened.TryPeek(out var r))
        {
            reopened.Acknowledge(r.Sequence);
            delivered++;
        }

        Assert.Equal((15, 0L), (delivered, reopened.Depth));
    }

    [Fact]
    public void TruncatedTail_RecoversIntactRecordsAndNeverReusesNumbers()
    {
        using var dir = new TempDir();
        using (var spool = Open(dir.Path, segmentBytes: 1 << 20))
        {
            for (var i = 0; i < 10; i++)
            {
                spool.Append(s => Payload(s));
            }
        }

        // A crash in the middle of the 10th append: part of its header and payload reached the disk.
        var segment = Directory.GetFiles(dir.Path, "seg-*").Single();
        using (var file = new FileStream(segment, FileMode.Open))
        {
            file.SetLength(file.Length - 50);
        }

        using var reopened = Open(dir.Path, segmentBytes: 1 << 20);
        for (ulong s = 1; s <= 9; s++)
        {
            Assert.True(reopened.TryPeek(out var r));
            Assert.Equal(s, r.Sequence);
            Assert.Equal(Payload(s), r.Payload);
            reopened.Acknowledge(s);
        }

        Assert.False(reopened.TryPeek(out _));
        var next = reopened.Append(s => Payload(s));
        Assert.True(next >= 11, $"sequence {next} may already have been published");
        Assert.True(reopened.TryPeek(out var after));
        Assert.Equal(next, after.Sequence);
    }

    [Fact]
    public void GarbageTail_IsCut()
    {
        using var dir = new TempDir();
        using (var spool = Open(dir.Path))
        {
            spool.Append(s => Payload(s));
        }

        var segment = Directory.GetFiles(dir.Path, "seg-*").Single();
        File.AppendAllText(segment, "not a record at all, just noise after a crash");
        using var reopened = Open(dir.Path);
        Assert.True(reopened.TryPeek(out var r));
        Assert.Equal(1UL, r.Sequence);
        reopened.Acknowledge(1);
        Assert.False(reopened.TryPeek(out _));
        var next = reopened.Append(s => Payload(s));
        Assert.True(reopened.TryPeek(out var again));
        Assert.Equal(next, again.Sequence);
    }

    [Fact]
    public void Full_DropsOldestAndCounts()
    {
        using var dir = new TempDir();
        using var spool = Open(dir.Path, maxBytes: 20_000, segmentBytes: 4096);
        for (var i = 0; i < 500; i++)
        {
            spool.Append(s => Payload(s, 200));
        }

        Assert.True(spool.SizeBytes <= 20_000 + 4096);
        Assert.True(spool.Dropped > 0);
        Assert.Equal(500 - spool.Dropped, spool.Depth);
        Assert.True(spool.TryPeek(out var oldest));
        Assert.Equal((ulong)spool.Dropped + 1, oldest.Sequence);
        var previous = 0UL;
        while (spool.TryPeek(out var r))
        {
            Assert.True(r.Sequence > previous);
            previous = r.Sequence;
            spool.Acknowledge(r.Sequence);
        }

        Assert.Equal(500UL, previous);
    }

    [Fact]
    public async Task Reader_WakesOnAppend()
    {
        using var dir = new TempDir();
        using var spool = Open(dir.Path);
        Assert.False(spool.TryPeek(out _));
        var wait = spool.WaitForDataAsync(CancellationToken.None);
        spool.Append(s => Payload(s));
        await wait.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(spool.TryPeek(out var r));
        Assert.Equal(1UL, r.Sequence);
    }

    [Fact]
    public void Append_DiskRefusesWrites_LosesThoseOnlyAndStoresTheRestIntact()
    {
        using var dir = new TempDir();
        var disk = new DiskSwitch();
        // Segments of about three records, so a roll to a new segment is refused too.
        var settings = new SpoolSettings(dir.Path, 1 << 30) { SegmentBytes = 400, OpenSegment = path => new RefusingFileStream(path, disk) };
        using (var spool = new PacketSpool(settings, TimeProvider.System, NullLogger<PacketSpool>.Instance))
        {
            var stored = new List<ulong?>();
            for (var i = 0; i < 5; i++)
            {
                stored.Add(spool.Append(s => Payload(s)));
            }

            disk.Full = true;
            for (var i = 0; i < 4; i++)
            {
                Assert.Null(spool.Append(s => Payload(s)));
            }

            disk.Full = false;
            for (var i = 0; i < 5; i++)
            {
                stored.Add(spool.Append(s => Payload(s)));
            }

            Assert.Equal(Enumerable.Range(1, 10).Select(n => (ulong?)n), stored);
            Assert.Equal(4, spool.Dropped);
            Assert.Equal(10, spool.Depth);
        }

        // Half-written records never surface: delivery after a restart reads each stored packet whole, in order.
        using var reopened = Open(dir.Path, segmentBytes: 400);
        for (ulong s = 1; s <= 10; s++)
        {
            Assert.True(reopened.TryPeek(out var r));
            Assert.Equal(s, r.Sequence);
            Assert.Equal(Payload(s), r.Payload);
            reopened.Acknowledge(s);
        }

        Assert.False(reopened.TryPeek(out _));
    }

    [Fact]
    public void Append_DiskStaysFull_SaysSoOnceEveryTenMinutes()
    {
        using var dir = new TempDir();
        var disk = new DiskSwitch();
        var time = new FakeTimeProvider();
        using var logs = new LogCapture();
        var settings = new SpoolSettings(dir.Path, 1 << 30) { SegmentBytes = 400, OpenSegment = path => new RefusingFileStream(path, disk) };
        using var spool = new PacketSpool(settings, time, new LoggerFactory([logs]).CreateLogger<PacketSpool>());
        int Errors() => logs.Entries.Count(e => e.Level == LogLevel.Error && e.Message.Contains("Spool write failed", StringComparison.Ordinal));

        spool.Append(s => Payload(s));
        disk.Full = true;
        for (var i = 0; i < 30; i++)
        {
            Assert.Null(spool.Append(s => Payload(s)));
            time.Advance(TimeSpan.FromSeconds(19)); // 30 refused over 9.5 minutes
        }

        Assert.Equal(1, Errors());

        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Null(spool.Append(s => Payload(s)));
        Assert.Equal(2, Errors());
        Assert.Equal(31, spool.Dropped);
    }

    private sealed class DiskSwitch
    {
        public bool Full { get; set; }
    }

    /// <summary>A segment file on a disk that can fill up: a refused write gets half of its bytes down first.</summary>
    private sealed class RefusingFileStream(string path, DiskSwitch disk)
        : FileStream(Refuse(path, disk), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0)
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (disk.Full)
            {
                base.Write(buffer[..(buffer.Length / 2)]);
                throw new IOException("No space left on device");
            }

            base.Write(buffer);
        }

        private static string Refuse(string path, DiskSwitch disk) =>
            disk.Full ? throw new IOException("No space left on device") : path;
    }
}
