using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;
using Zamio.Central.Tests.Cli;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Integration;

/// <summary><c>rematch</c> against a deployment on PostgreSQL: its catalogue, its stored plays, and --write into them.</summary>
[Trait("Category", "Integration")]
[Collection(ConsoleCollection.Name)]
public sealed class RematchCliIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Rematch_SharedDeployment_MatchesItsCatalogueAndWritesIntoItsPlays()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var configuration = TestServers.PostgresDeployment(pg);
        Directory.CreateDirectory(dir.Combine("audio"));
        foreach (var seed in new[] { 1, 2 })
        {
            ServeFixture.WriteWav(dir.Combine("audio", ServeFixture.TrackId(seed) + ".wav"), SyntheticSong.Generate(seed, ServeFixture.SongSeconds));
        }

        Assert.Equal(0, CliRun.Invoke(configuration, "catalog", "add", dir.Combine("audio")).ExitCode);
        var audio = StationFeed.Concat(SyntheticSong.Generate(2, ServeFixture.SongSeconds), SyntheticSong.Generate(1, ServeFixture.SongSeconds));
        StationFeed.WriteArchiveDay(dir.Combine("archive"), StationFeed.Packets("joy-fm", audio));

        string[] Rematch(params string[] args) =>
            [.. Run(configuration, ["rematch", .. args, "--from", "2026-11-02T08:00:00Z", "--to", "2026-11-02T10:00:00Z", "--archive", dir.Combine("archive"), "--data-dir", dir.Combine("cli")])
                .OutLines.Select(l => JsonDocument.Parse(l).RootElement).Select(l => $"{l.GetProperty("track").GetString()} {l.GetProperty("stored").GetString()}")];

        Assert.Equal(["song1 written"], Rematch("song1", "--write"));
        Assert.Equal(["song2 new", "song1 already"], Rematch());
        Assert.Equal(["song2 written"], Rematch("song2", "--write"));
        Assert.Equal(["song2 already", "song1 already"], Rematch());
        Assert.False(Directory.Exists(dir.Combine("cli")), "the embedded files were not touched");
    }

    private static CliRun Run(IConfiguration configuration, string[] args)
    {
        var run = CliRun.Invoke(configuration, args);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }
}
