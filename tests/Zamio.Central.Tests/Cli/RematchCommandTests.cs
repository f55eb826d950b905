using System.Text.Json;
using Zamio.Central.Cli;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Cli;

/// <summary>
/// A station aired song 2 (then not in the catalogue) and then song 1, which live ingest stored; song 2 has been added
/// since. Its archived packets are matched again.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class RematchCommandTests : IDisposable
{
    private const string Station = "joy-fm";
    private static readonly DateTimeOffset Aired = StationFeed.CaptureStart;

    private readonly TempDirectory _dir = new();

    public RematchCommandTests()
    {
        Directory.CreateDirectory(_dir.Combine("audio"));
        foreach (var seed in new[] { 1, 2 })
        {
            ServeFixture.WriteWav(_dir.Combine("audio", ServeFixture.TrackId(seed) + ".wav"), SyntheticSong.Generate(seed, ServeFixture.SongSeconds));
        }

        Assert.Equal(0, CommandLine.Run(["catalog", "add", _dir.Combine("audio"), "--data-dir", DataDirectory]));
        Archive(Station, StationFeed.Concat(SyntheticSong.Generate(2, ServeFixture.SongSeconds), SyntheticSong.Generate(1, ServeFixture.SongSeconds), SyntheticSong.Silence(20)));
    }

    private string DataDirectory => _dir.Combine("data");

    private SqlitePlayStore Plays => new(CentralDatabase.Open(DataDirectory));

    [Fact]
    public async Task Run_TrackAddedSinceItAired_NewThenWrittenThenAlreadyStored()
    {
        await StoreAsync(Live("song1", 40, 80));

        var first = Rematch();
        var written = Rematch("song2", "--write");
        var again = Rematch("song2");

        Assert.Equal([("song2", "new"), ("song1", "already")], first.Select(l => (l.Track, l.Stored)));
        var found = first[0];
        Assert.InRange((found.Start - Aired).TotalSeconds, -1, 1);
        Assert.InRange((found.End - Aired).TotalSeconds, 39, 41);
        Assert.Equal([("song2", "written")], written.Select(l => (l.Track, l.Stored)));
        Assert.Equal([("song2", "already")], again.Select(l => (l.Track, l.Stored)));
        var stored = Plays.Query(Station, null, null, 10).Single(p => p.Track == "song2");
        Assert.Equal(("closed", found.Start, found.End), (stored.Status, stored.Start, stored.End));
    }

    [Fact]
    public async Task Run_AnotherTrackStoredOverMostOfThePlay_ConflictNamingItAndNotWritten()
    {
        await StoreAsync(Live("song9", 2, 38));

        var lines = Rematch("song2", "--write");

        var line = Assert.Single(lines);
        Assert.Equal(("conflict", "song9"), (line.Stored, line.With));
        Assert.DoesNotContain(Plays.Query(Station, null, null, 10), p => p.Track == "song2");
    }

    [Fact]
    public void Run_NamedTrackHoldsAnotherEntrysRecording_NotNamedOverThatEntrysAiring()
    {
        // song3 is a medley: song1's first 20 s, then music of its own. Matched against song3 alone, song1's airing
        // starts like song3's; against the whole catalogue it is song1's.
        var medley = StationFeed.Concat(SyntheticSong.Generate(1, ServeFixture.SongSeconds)[..(20 * SyntheticSong.SampleRate)], SyntheticSong.Generate(3, 20));
        ServeFixture.WriteWav(_dir.Combine("song3.wav"), medley);
        Assert.Equal(0, CommandLine.Run(["catalog", "add", _dir.Combine("song3.wav"), "--data-dir", DataDirectory]));

        Assert.Empty(Rematch("song3"));
        Assert.Equal(["song1"], Rematch("song1", "song3").Select(l => l.Track));
    }

    [Fact]
    public void Run_NoStationGiven_EveryArchivedStationRematched()
    {
        Archive("kiss-fm", StationFeed.Concat(SyntheticSong.Silence(10), SyntheticSong.Generate(2, ServeFixture.SongSeconds)));

        var run = CliRun.Invoke("rematch", "song2", "--from", "2026-11-02T08:00:00Z", "--to", "2026-11-02T10:00:00Z", "--data-dir", DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.OutLines.Select(l => JsonSerializer.Deserialize<Line>(l, new JsonSerializerOptions(JsonSerializerDefaults.Web))!).ToList();
        Assert.Equal([("joy-fm", 0), ("kiss-fm", 10)], lines.Select(l => (l.Station, (int)Math.Round((l.Start - Aired).TotalSeconds))));
        Assert.Contains("rematched 2 station(s)", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--station", "joy/fm", "--from", "2026-11-02T08:00:00Z", "--to", "2026-11-02T10:00:00Z")]
    [InlineData("--station", Station, "--to", "2026-11-02T10:00:00Z")]
    [InlineData("--station", Station, "--from", "nine", "--to", "2026-11-02T10:00:00Z")]
    [InlineData("--station", Station, "--from", "2026-11-02T10:00:00Z", "--to", "2026-11-02T08:00:00Z")]
    [InlineData("--station", "../etc", "--from", "2026-11-02T08:00:00Z", "--to", "2026-11-02T10:00:00Z")]
    [InlineData("song7", "--station", Station, "--from", "2026-11-02T08:00:00Z", "--to", "2026-11-02T10:00:00Z", "--write")]
    public void Run_BadArguments_UsageErrorAndNothingStored(params string[] args)
    {
        var run = CliRun.Invoke(["rematch", .. args, "--data-dir", DataDirectory]);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("error: ", run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1], StringComparison.Ordinal);
        Assert.Empty(run.Out);
        Assert.False(File.Exists(Path.Combine(DataDirectory, CentralDatabase.FileName)));
    }

    [Fact]
    public void Run_NothingArchivedForTheStation_ExitsOneSayingWhere()
    {
        var run = CliRun.Invoke("rematch", "--station", "kiss-fm", "--from", "2026-11-02T08:00:00Z", "--to", "2026-11-02T10:00:00Z", "--data-dir", DataDirectory);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no archived packets of station 'kiss-fm'", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    private void Archive(string station, float[] audio) =>
        StationFeed.WriteArchiveDay(Path.Combine(DataDirectory, "archive"), StationFeed.Packets(station, audio));

    private List<Line> Rematch(params string[] args)
    {
        var run = CliRun.Invoke(["rematch", .. args, "--station", Station, "--from", "2026-11-02T08:00:00Z", "--to", "2026-11-02T10:00:00Z", "--data-dir", DataDirectory]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return [.. run.OutLines.Select(l => JsonSerializer.Deserialize<Line>(l, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)];
    }

    private static PlayRecord Live(string track, double from, double to) =>
        new(Station, $"{Station}/1-0-0/{(int)from}", track, Aired.AddSeconds(from), Aired.AddSeconds(to), 1, 1, "closed");

    private Task StoreAsync(PlayRecord play) => Plays.UpsertAsync([play], Aired.AddHours(1), CancellationToken.None);

    private sealed record Line(string Station, string Track, DateTimeOffset Start, DateTimeOffset End, double Confidence, double Speed, string Stored, string? With);

    public void Dispose() => _dir.Dispose();
}
