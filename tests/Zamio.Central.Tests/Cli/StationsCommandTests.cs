using System.Text.Json;
using Zamio.Central.Hosting;
using Zamio.Central.Stations;

namespace Zamio.Central.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public sealed class StationsCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DataDirectory => _dir.Combine("data");

    [Fact]
    public void Remove_AddedStation_PrintsItRemovedAndItsKeyStopsWorking()
    {
        var add = CliRun.Invoke("stations", "add", "joy-fm", "--data-dir", DataDirectory);
        Assert.Equal(0, add.ExitCode);
        var key = JsonDocument.Parse(add.Out).RootElement.GetProperty("key").GetString();
        Assert.True(Store().Verify("joy-fm", key));

        var remove = CliRun.Invoke("stations", "remove", "joy-fm", "--data-dir", DataDirectory);

        Assert.Equal(0, remove.ExitCode);
        var printed = JsonDocument.Parse(remove.Out).RootElement;
        Assert.Equal(("joy-fm", true), (printed.GetProperty("station").GetString(), printed.GetProperty("removed").GetBoolean()));
        Assert.False(Store().Verify("joy-fm", key));
        Assert.Empty(CliRun.Invoke("stations", "list", "--data-dir", DataDirectory).OutLines);
    }

    [Fact]
    public void Remove_UnknownStation_ExitsOneWithAMessageAndKeepsTheOthers()
    {
        Assert.Equal(0, CliRun.Invoke("stations", "add", "joy-fm", "--data-dir", DataDirectory).ExitCode);

        var remove = CliRun.Invoke("stations", "remove", "no-such-fm", "--data-dir", DataDirectory);

        Assert.Equal(1, remove.ExitCode);
        Assert.Contains("no station 'no-such-fm'", remove.Error, StringComparison.Ordinal);
        Assert.Empty(remove.Out);
        Assert.Equal(["joy-fm"], Store().List());
    }

    [Theory]
    [InlineData("zamio-central", "reserved for central's own MQTT clients")]
    [InlineData("Zamio-Central-2", "reserved for central's own MQTT clients")]
    [InlineData("bad/id", "a station id is 1..64 characters")]
    public void Add_ReservedOrMalformedId_IsAUsageErrorAndRegistersNothing(string station, string reason)
    {
        Assert.Equal(0, CliRun.Invoke("stations", "add", "joy-fm", "--data-dir", DataDirectory).ExitCode);

        var add = CliRun.Invoke("stations", "add", station, "--data-dir", DataDirectory);

        Assert.Equal(2, add.ExitCode);
        Assert.Contains(reason, add.Error, StringComparison.Ordinal);
        Assert.Empty(add.Out);
        Assert.Equal(["joy-fm"], Store().List());
    }

    [Fact]
    public void Remove_WithoutAnId_IsAUsageError()
    {
        var remove = CliRun.Invoke("stations", "remove", "--data-dir", DataDirectory);

        Assert.Equal(2, remove.ExitCode);
        Assert.Contains("stations remove needs one station id", remove.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("remove", "joy-fm")]
    public void ListOrRemove_MistypedDataDirectory_ExitsOneWithoutCreatingIt(params string[] verb)
    {
        var run = CliRun.Invoke(["stations", .. verb, "--data-dir", DataDirectory]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no data directory", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DataDirectory));
    }

    private StationStore Store() => new(CentralDatabase.Open(DataDirectory), TimeProvider.System);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
