using System.Text.Json;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Storage;

namespace Zamio.Central.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class ReportCommandTests : IClassFixture<CliCatalogueFixture>, IDisposable
{
    private readonly CliCatalogueFixture _catalogue;
    private readonly TempDirectory _dir = new();

    public ReportCommandTests(CliCatalogueFixture catalogue)
    {
        _catalogue = catalogue;
    }

    private string DataDirectory => _dir.Combine("data");

    [Fact]
    public async Task Report_EmbeddedPlays_PrintsOneJsonLinePerStationAndTrack()
    {
        await AirplayPlays.SeedAndCheckAsync(new SqlitePlayStore(CentralDatabase.Open(DataDirectory)));

        var run = CliRun.Invoke("report", "--from", "2024-05-01T12:00:00Z", "--to", "2024-05-01T13:00:00Z", "--data-dir", DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([("st-a", "song1", 3, 440.5), ("st-b", "song1", 1, 90.0)],
            lines.Select(l => (l.GetProperty("station").GetString(), l.GetProperty("track").GetString(), l.GetProperty("plays").GetInt32(), l.GetProperty("seconds").GetDouble())));
        Assert.Contains("4 play(s), 1 still ongoing", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_AccentedTitle_PrintsItAsWrittenNotEscaped()
    {
        _catalogue.CopyInto(DataDirectory);
        var csv = _dir.Combine("fix.csv");
        File.WriteAllLines(csv, ["id,title,artist", "song1,Ɔdɔ Café,Amakye Dédé"]);
        Assert.Equal(0, CliRun.Invoke("catalog", "describe", csv, "--data-dir", DataDirectory).ExitCode);
        await AirplayPlays.SeedAndCheckAsync(new SqlitePlayStore(CentralDatabase.Open(DataDirectory)));

        var run = CliRun.Invoke("report", "--from", "2024-05-01T12:00:00Z", "--to", "2024-05-01T13:00:00Z", "--data-dir", DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(run.OutLines, l => Assert.Contains("\"title\":\"Ɔdɔ Café\",\"artist\":\"Amakye Dédé\"", l, StringComparison.Ordinal));
        Assert.Equal(2, run.OutLines.Count);
    }

    [Fact]
    public async Task Report_CsvForOneStation_PrintsTheHeaderAndItsLine()
    {
        await AirplayPlays.SeedAndCheckAsync(new SqlitePlayStore(CentralDatabase.Open(DataDirectory)));

        var run = CliRun.Invoke("report", "--from", "2024-05-01T12:00:00Z", "--to", "2024-05-01T13:00:00Z", "--station", "st-b", "--csv", "--data-dir", DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal([AirplayReport.ByteOrderMark + AirplayReport.CsvHeader, "st-b,song1,,,,1,0,90.0,2024-05-01T12:05:00.000Z,2024-05-01T12:06:30.000Z"], run.OutLines);
    }

    [Fact]
    public void Report_NoPlaysDatabase_ExitsOneWithoutCreatingIt()
    {
        var run = CliRun.Invoke("report", "--from", "2024-05-01T12:00:00Z", "--to", "2024-05-01T13:00:00Z", "--data-dir", DataDirectory);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no plays database", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DataDirectory));
    }

    [Theory]
    [InlineData("--from", "2024-05-01T12:00:00Z")]
    [InlineData("--from", "2024-05-01T12:00:00Z", "--to", "2024-05-01T11:00:00Z")]
    [InlineData("--from", "noon", "--to", "2024-05-01T13:00:00Z")]
    public void Report_BadPeriod_IsAUsageError(params string[] args)
    {
        var run = CliRun.Invoke(["report", .. args, "--data-dir", DataDirectory]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
