using System.Text.Json;
using Xunit.Abstractions;
using Zamio.Central.Stations;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Cli;

namespace Zamio.Central.Tests.Integration;

/// <summary>The stations verbs against a deployment on PostgreSQL, where every instance reads its stations.</summary>
[Trait("Category", "Integration")]
[Collection(ConsoleCollection.Name)]
public sealed class StationsCliIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StationsVerbs_SharedDeployment_ChangePostgresNotTheEmbeddedStore()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var configuration = TestServers.PostgresDeployment(pg);

        var add = CliRun.Invoke(configuration, "stations", "add", "joy-fm", "--data-dir", dir.Combine("cli"));

        Assert.True(add.ExitCode == 0, add.ToString());
        var key = JsonDocument.Parse(add.Out).RootElement.GetProperty("key").GetString();
        var stations = new StationStore(new PostgresStationStore(await pg.MigratedAsync()), TimeProvider.System);
        Assert.True(stations.Verify("joy-fm", key));
        Assert.False(File.Exists(dir.Combine("cli", "central.db")), "the embedded store was not touched");
        Assert.Equal(["{\"station\":\"joy-fm\"}"], CliRun.Invoke(configuration, "stations", "list").OutLines);

        var remove = CliRun.Invoke(configuration, "stations", "remove", "joy-fm");

        Assert.True(remove.ExitCode == 0, remove.ToString());
        Assert.False(stations.Verify("joy-fm", key));
        Assert.Equal(1, CliRun.Invoke(configuration, "stations", "remove", "joy-fm").ExitCode);
    }
}
