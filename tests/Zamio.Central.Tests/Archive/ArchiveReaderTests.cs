using Zamio.Central.Archive;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Archive;

public sealed class ArchiveReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Read_DayFileBeingAppended_WholeRecordsReadAndTheHalfWrittenOneSkipped()
    {
        var packets = StationFeed.Packets("joy-fm", SyntheticSong.Generate(1, 6));
        var path = ArchiveFiles.DayFile(_dir.Path, "joy-fm", ArchiveFiles.DayOf(packets[0].CaptureStart));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var appending = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        ArchiveFiles.WriteRecord(appending, packets[0].ToArray());
        ArchiveFiles.WriteRecord(appending, packets[1].ToArray());
        using (var next = new MemoryStream())
        {
            ArchiveFiles.WriteRecord(next, packets[2].ToArray());
            appending.Write(next.ToArray().AsSpan(0, 40));
        }

        appending.Flush();

        var reader = new ArchiveReader([_dir.Path], "joy-fm");
        var read = reader.Read(packets[0].CaptureStart, packets[0].CaptureStart.AddMinutes(1)).ToList();

        Assert.Equal(packets.Take(2).Select(p => p.ToArray()), read.Select(p => p.ToArray()));
        Assert.Equal(new ArchiveReadStats(1, 2, 0, 0, 40), reader.Stats);
    }

    [Fact]
    public void Read_SamePacketInTwoInstancesArchives_ReadOnceInSequenceOrder()
    {
        var packets = StationFeed.Packets("joy-fm", SyntheticSong.Generate(1, 8));
        var roots = new[] { _dir.Combine("i0"), _dir.Combine("i1") };
        // The station moved between instances: each kept part of the stream, and both kept the packet it moved on.
        StationFeed.WriteArchiveDay(roots[0], [packets[2], packets[0], packets[1]]);
        StationFeed.WriteArchiveDay(roots[1], [packets[1], packets[3]]);

        var reader = new ArchiveReader(roots, "joy-fm");
        var read = reader.Read(packets[0].CaptureStart, packets[0].CaptureStart.AddMinutes(1)).ToList();

        Assert.Equal(packets.Take(4).Select(p => p.Sequence), read.Select(p => p.Sequence));
        Assert.Equal(1, reader.Stats.Duplicates);
    }

    public void Dispose() => _dir.Dispose();
}
