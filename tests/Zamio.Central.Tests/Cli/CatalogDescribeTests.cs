using System.Text.Json;

namespace Zamio.Central.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class CatalogDescribeTests : IClassFixture<CliCatalogueFixture>, IDisposable
{
    private readonly CliCatalogueFixture _catalogue;
    private readonly TempDirectory _dir = new();

    public CatalogDescribeTests(CliCatalogueFixture catalogue)
    {
        _catalogue = catalogue;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Describe_CsvOfCatalogued_ChangesGivenFieldsKeepsEmptyOnesAndPrintsChangedTracks()
    {
        var data = CopyOfCatalogue();
        var csv = Csv("fix.csv", "id,title,artist,isrc", "song2,,The Band,gb-aye-06-01498", "song3,Three,,", "song4,,,");

        var run = CliRun.Invoke("catalog", "describe", csv, "--data-dir", data);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["song2", "song3"], run.OutLines.Select(l => Field(l, "track")));
        var listed = Listed(data);
        Assert.Equal(("Two, the song", "The Band", "GBAYE0601498"), listed["song2"]);
        Assert.Equal(("Three", null, null), listed["song3"]);
        Assert.Equal((null, null, null), listed["song4"]);
        Assert.Contains("described 2 track(s); 1 already so", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_AnIdNotCatalogued_ExitTwoNamingItAndNothingChanged()
    {
        var data = CopyOfCatalogue();
        var before = Listed(data);
        var csv = Csv("typo.csv", "id,title", "song1,New title", "sogn5,Five");

        var run = CliRun.Invoke("catalog", "describe", csv, "--data-dir", data);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("not in the catalogue (nothing changed): sogn5", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.OutLines);
        Assert.Equal(before, Listed(data));
    }

    [Theory]
    [InlineData("id,title", "song1,One", "song1,Again")] // an id twice
    [InlineData("title,artist", "One,Band")] // no id column
    [InlineData("id,isrc", "song1,not-an-isrc")]
    public void Describe_BadCsv_ExitOneAndNothingChanged(params string[] lines)
    {
        var data = CopyOfCatalogue();
        var before = Listed(data);

        var run = CliRun.Invoke("catalog", "describe", Csv("bad.csv", lines), "--data-dir", data);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
        Assert.Equal(before, Listed(data));
    }

    [Fact]
    public void Describe_CsvWithOnlyItsHeader_UsageErrorExitTwo()
    {
        var run = CliRun.Invoke("catalog", "describe", Csv("empty.csv", "id,title"), "--data-dir", CopyOfCatalogue());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no tracks listed in", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_NoFile_UsageErrorExitTwo()
    {
        var run = CliRun.Invoke("catalog", "describe", "--data-dir", CopyOfCatalogue());

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("catalog describe needs a CSV file", run.Error, StringComparison.Ordinal);
    }

    private string CopyOfCatalogue() => _catalogue.CopyInto(_dir.Combine($"data-{Guid.NewGuid():N}"));

    private string Csv(string name, params string[] lines)
    {
        var path = _dir.Combine(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private static Dictionary<string, (string?, string?, string?)> Listed(string data) =>
        CliRun.Invoke("catalog", "list", "--data-dir", data).OutLines.ToDictionary(
            l => Field(l, "track")!,
            l => (Field(l, "title"), Field(l, "artist"), Field(l, "isrc")));

    private static string? Field(string line, string name)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty(name).GetString();
    }
}
