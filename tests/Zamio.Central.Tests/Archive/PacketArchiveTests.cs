using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Archive;
using Zamio.Central.Hosting;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Archive;

public sealed class PacketArchiveTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Flush_PacketsOfTwoStreamsAcrossMidnight_ReadBackPerDayInOrder()
    {
        var archive = Archive(new ArchiveOptions());
        var late = StationFeed.Packets("joy-fm", SyntheticSong.Generate(1, 10), captureStart: new DateTimeOffset(2026, 11, 30, 23, 59, 55, TimeSpan.Zero));
        var other = StationFeed.Packets("kiss-fm", SyntheticSong.Generate(2, 6));
        foreach (var packet in late.Concat(other))
        {
            archive.Add(packet.StationId, packet.CaptureStart, packet.ToArray());
        }

        archive.Flush();

        Assert.Equal(late.Count + other.Count, archive.Written);
        Assert.True(File.Exists(ArchiveFiles.DayFile(archive.Root, "joy-fm", new DateOnly(2026, 11, 30))));
        Assert.True(File.Exists(ArchiveFiles.DayFile(archive.Root, "joy-fm", new DateOnly(2026, 12, 1))));
        var read = new ArchiveReader([archive.Root], "joy-fm").Read(late[0].CaptureStart, late[^1].CaptureStart.AddSeconds(2)).ToList();
        Assert.Equal(late.Select(p => p.Sequence), read.Select(p => p.Sequence));
        Assert.Equal(late.Select(p => p.ToArray()), read.Select(p => p.ToArray()));
    }

    [Fact]
    public void Add_QueueFull_CountsTheDropsAndKeepsWhatFitted()
    {
        var archive = Archive(new ArchiveOptions { QueueCapacity = 2 });
        var packets = StationFeed.Packets("joy-fm", SyntheticSong.Generate(1, 8));

        foreach (var packet in packets)
        {
            archive.Add(packet.StationId, packet.CaptureStart, packet.ToArray());
        }

        archive.Flush();

        Assert.Equal(2, archive.Written);
        Assert.Equal(packets.Count - 2, archive.Dropped);
    }

    [Fact]
    public void Add_ArchiveTurnedOff_WritesNothing()
    {
        var archive = Archive(new ArchiveOptions { Days = 0 });
        var packet = StationFeed.Packets("joy-fm", SyntheticSong.Generate(1, 2))[0];

        archive.Add(packet.StationId, packet.CaptureStart, packet.ToArray());
        archive.Flush();

        Assert.False(archive.Enabled);
        Assert.Equal(0, archive.Written);
        Assert.False(Directory.Exists(archive.Root));
    }

    [Fact]
    public void Expire_DaysPastTheRetention_DeletedAndTheRestKept()
    {
        var archive = Archive(new ArchiveOptions { Days = 2 });
        var root = archive.Root;
        var days = Enumerable.Range(0, 4).Select(back => new DateOnly(2026, 12, 1).AddDays(-back)).ToList();
        foreach (var day in days)
        {
            var path = ArchiveFiles.DayFile(root, "joy-fm", day);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, [1]);
        }

        File.WriteAllText(Path.Combine(root, "joy-fm", "README"), "not a day file");

        archive.Expire();

        Assert.Equal([true, true, false, false], days.Select(day => File.Exists(ArchiveFiles.DayFile(root, "joy-fm", day))));
        Assert.True(File.Exists(Path.Combine(root, "joy-fm", "README")));
    }

    [Fact]
    public void Expire_OverTheSizeCap_OldestDaysDeletedFirstButNeverToday()
    {
        // Four days of two stations at 400 kB a file (3.2 MB) under a 1 MB cap: the days go oldest first until it fits,
        // and today's files stay even when they alone are over it.
        var archive = Archive(new ArchiveOptions { Days = 30, MaxGigabytes = 0.001 });
        var days = Enumerable.Range(0, 4).Select(back => new DateOnly(2026, 12, 1).AddDays(-back)).ToList();
        foreach (var station in new[] { "joy-fm", "kiss-fm" })
        {
            foreach (var day in days)
            {
                var path = ArchiveFiles.DayFile(archive.Root, station, day);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllBytes(path, new byte[400_000]);
            }
        }

        archive.Expire();

        Assert.Equal([true, false, false, false], days.Select(day => File.Exists(ArchiveFiles.DayFile(archive.Root, "joy-fm", day))));
        Assert.Equal([true, false, false, false], days.Select(day => File.Exists(ArchiveFiles.DayFile(archive.Root, "kiss-fm", day))));
        Assert.Equal(800_000, archive.Bytes);
    }

    [Fact]
    public void Expire_UnderTheSizeCap_OnlyTheRetentionDeletes()
    {
        var archive = Archive(new ArchiveOptions { Days = 3, MaxGigabytes = 0.01 });
        var days = Enumerable.Range(0, 4).Select(back => new DateOnly(2026, 12, 1).AddDays(-back)).ToList();
        foreach (var day in days)
        {
            var path = ArchiveFiles.DayFile(archive.Root, "joy-fm", day);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, new byte[1_000_000]);
        }

        archive.Expire();

        Assert.Equal([true, true, true, false], days.Select(day => File.Exists(ArchiveFiles.DayFile(archive.Root, "joy-fm", day))));
        Assert.Equal(3_000_000, archive.Bytes);
    }

    private PacketArchive Archive(ArchiveOptions options) =>
        new(Options.Create(options), Options.Create(new ServeOptions { DataDirectory = _dir.Combine("data") }), _time, NullLogger<PacketArchive>.Instance);

    public void Dispose() => _dir.Dispose();
}
