using Xunit.Abstractions;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Cli;
using Zamio.Central.Tests.Storage;

namespace Zamio.Central.Tests.Integration;

/// <summary>The verbs that read plays, against a deployment on PostgreSQL.</summary>
[Trait("Category", "Integration")]
[Collection(ConsoleCollection.Name)]
public sealed class PlaysCliIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PlaysAndReport_SharedDeployment_ReadItsPlays()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        await AirplayPlays.SeedAndCheckAsync(new PostgresPlayStore(await pg.MigratedAsync()));
        using var dir = new TempDirectory();
        var configuration = TestServers.PostgresDeployment(pg);
        string[] period = ["--from", "2024-05-01T12:00:00Z", "--to", "2024-05-01T13:00:00Z", "--data-dir", dir.Combine("unused")];

        var plays = CliRun.Invoke(configuration, ["plays", "--station", "st-a", .. period]);
        var report = CliRun.Invoke(configuration, ["report", "--csv", .. period]);

        Assert.True(plays.ExitCode == 0, plays.ToString());
        Assert.Equal(4, plays.OutLines.Count);
        Assert.Contains("4 play(s), 1 still ongoing", plays.Error, StringComparison.Ordinal);
        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Equal(3, report.OutLines.Count);
        Assert.False(Directory.Exists(dir.Combine("unused")));
    }
}
