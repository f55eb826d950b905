using Zamio.Central.Archive;

namespace Zamio.Central.Tests.Archive;

public sealed class ArchiveFilesTests
{
    [Fact]
    public void ReadRecords_TornAppendBetweenWholeRecords_SkipsItAndKeepsTheRest()
    {
        var rng = new Random(7);
        var packets = Enumerable.Range(0, 5).Select(i => RandomBytes(rng, 200 + 100 * i)).ToList();
        using var file = new MemoryStream();
        foreach (var packet in packets.Take(3))
        {
            ArchiveFiles.WriteRecord(file, packet);
        }

        // A process stopped mid-append: the header and part of a packet, then later appends after it.
        using (var torn = new MemoryStream())
        {
            ArchiveFiles.WriteRecord(torn, RandomBytes(rng, 500));
            file.Write(torn.ToArray().AsSpan(0, 300));
        }

        foreach (var packet in packets.Skip(3))
        {
            ArchiveFiles.WriteRecord(file, packet);
        }

        var records = ArchiveFiles.ReadRecords(file.ToArray(), out var skipped);

        Assert.Equal(packets.Count, records.Count);
        Assert.All(packets.Zip(records), pair => Assert.Equal(pair.First, pair.Second.ToArray()));
        Assert.Equal(300, skipped);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void StationDirectory_DotIds_StayInsideTheRoot(string station)
    {
        var root = Path.GetFullPath("archive-root");

        var folder = Path.GetFullPath(ArchiveFiles.StationDirectory(root, station));

        Assert.Equal(root, Path.GetDirectoryName(folder));
    }

    [Fact]
    public void DayOfFile_DayFilesAndOthers_OnlyDayFilesHaveADay()
    {
        Assert.Equal(new DateOnly(2026, 12, 1), ArchiveFiles.DayOfFile(ArchiveFiles.DayFile("a", "joy-fm", new DateOnly(2026, 12, 1))));
        Assert.Null(ArchiveFiles.DayOfFile("a/joy-fm/notes.zpk"));
        Assert.Null(ArchiveFiles.DayOfFile("a/joy-fm/2026-12-01.txt"));
    }

    private static byte[] RandomBytes(Random rng, int length)
    {
        var bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }
}
