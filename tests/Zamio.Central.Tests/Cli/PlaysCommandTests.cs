using System.Text.Json;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Storage;

namespace Zamio.Central.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class PlaysCommandTests : IDisposable
{
    private const string From = "2024-05-01T12:00:00Z";
    private const string To = "2024-05-01T13:00:00Z";
    private readonly TempDirectory _dir = new();

    private string DataDirectory => _dir.Combine("data");

    [Fact]
    public async Task Plays_EmbeddedPlays_EveryPlayOverlappingThePeriodByStartWithoutRetracted()
    {
        await AirplayPlays.SeedAndCheckAsync(new SqlitePlayStore(CentralDatabase.Open(DataDirectory)));

        var run = CliRun.Invoke("plays", "--from", From, "--to", To, "--data-dir", DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["st-a/100-0/5", "st-a/100-0/1", "st-b/100-0/7", "st-a/100-0/2", "st-a/100-0/3"], lines.Select(l => l.GetProperty("id").GetString()));
        Assert.Equal(("song1", "ongoing", "2024-05-01T12:50:00+00:00"),
            (lines[4].GetProperty("track").GetString(), lines[4].GetProperty("status").GetString(), lines[4].GetProperty("start").GetString()));
        Assert.Contains("5 play(s), 1 still ongoing", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plays_CsvForOneStation_HeaderThenOneRowPerPlay()
    {
        await AirplayPlays.SeedAndCheckAsync(new SqlitePlayStore(CentralDatabase.Open(DataDirectory)));

        var run = CliRun.Invoke("plays", "--from", From, "--to", To, "--station", "st-b", "--csv", "--data-dir", DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(
            [
                AirplayReport.ByteOrderMark + "station,id,track,title,artist,isrc,start,end,seconds,confidence,speed,status",
                "st-b,st-b/100-0/7,song1,,,,2024-05-01T12:05:00.000Z,2024-05-01T12:06:30.000Z,90.0,0.9,1,closed",
            ],
            run.OutLines);
    }

    [Fact]
    public async Task Plays_MoreThanAPage_EveryPlayOnce()
    {
        var start = DateTimeOffset.Parse(From, System.Globalization.CultureInfo.InvariantCulture);
        var plays = Enumerable.Range(0, 5001)
            .Select(i => new PlayRecord("st-many", $"st-many/1-0/{i}", "song1", start.AddMilliseconds(i * 500), start.AddMilliseconds((i * 500) + 400), 0.9, 1, "closed"))
            .ToList();
        await new SqlitePlayStore(CentralDatabase.Open(DataDirectory)).UpsertAsync(plays, start, CancellationToken.None);

        var run = CliRun.Invoke("plays", "--from", From, "--to", To, "--data-dir", DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(plays.Select(p => p.PlayKey), run.OutLines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()));
    }

    [Theory]
    [InlineData("--from", From)]
    [InlineData("--from", From, "--to", "2024-05-01T11:00:00Z")]
    [InlineData("--from", "noon", "--to", To)]
    [InlineData("st-a", "--from", From, "--to", To)]
    public void Plays_BadArguments_UsageErrorWithoutOutput(params string[] args)
    {
        var run = CliRun.Invoke(["plays", .. args, "--data-dir", DataDirectory]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public void Plays_NoPlaysDatabase_ExitsOneWithoutCreatingIt()
    {
        var run = CliRun.Invoke("plays", "--from", From, "--to", To, "--data-dir", DataDirectory);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no plays database", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DataDirectory));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
