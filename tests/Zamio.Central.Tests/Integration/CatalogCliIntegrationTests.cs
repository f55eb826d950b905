using Microsoft.Extensions.Configuration;
using Xunit.Abstractions;
using Zamio.Central.Catalog;
using Zamio.Central.Tests.Cli;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Integration;

/// <summary>The catalogue verbs against a deployment on PostgreSQL and Redis, with a running instance watching.</summary>
[Trait("Category", "Integration")]
[Collection(ConsoleCollection.Name)]
public sealed class CatalogCliIntegrationTests(ITestOutputHelper output)
{
    // A change reaches the other instances without a restart; how soon (within a second) is measured by
    // scripts/bench/central-change.sh, not here, where other test classes share the two cores.
    private static readonly TimeSpan LiveWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CatalogVerbs_SharedDeployment_ChangePostgresAndRunningInstancesNotTheEmbeddedStore()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        var redis = await TestServers.RedisAsync(output);
        if (pg is null || redis is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var settings = TestServers.SharedDeployment(pg, redis.Value);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var song = dir.Combine("cli-song.wav");
        ServeFixture.WriteWav(song, SyntheticSong.Generate(31, 30));
        try
        {
            await using var running = await IntegrationHost.StartAsync(dir.Combine("running"), settings);
            var index = running.Get<CatalogIndex>();
            var added = IntegrationHost.WhenIndex(index, i => i.Contains("cli-song"));

            var add = CliRun.Invoke(configuration, "catalog", "add", song, "--data-dir", dir.Combine("cli"));

            Assert.True(add.ExitCode == 0, add.ToString());
            await added.WaitAsync(LiveWithin);
            Assert.False(File.Exists(dir.Combine("cli", "catalog.db")), "the embedded store was not touched");
            Assert.Contains("--data-dir is not used", add.Error, StringComparison.Ordinal);
            var list = CliRun.Invoke(configuration, "catalog", "list");
            Assert.Contains(list.OutLines, line => line.Contains("\"track\":\"cli-song\"", StringComparison.Ordinal));

            var csv = dir.Combine("fix.csv");
            File.WriteAllLines(csv, ["id,title,isrc", "cli-song,Corrected,GB-AYE-06-01498"]);
            var describe = CliRun.Invoke(configuration, "catalog", "describe", csv);
            Assert.True(describe.ExitCode == 0, describe.ToString());
            File.WriteAllLines(csv, ["id,title", "cli-song,Not this", "no-such-song,Nor this"]);
            Assert.Equal(2, CliRun.Invoke(configuration, "catalog", "describe", csv).ExitCode);
            Assert.Contains(CliRun.Invoke(configuration, "catalog", "list").OutLines,
                line => line.Contains("\"title\":\"Corrected\"", StringComparison.Ordinal) && line.Contains("\"isrc\":\"GBAYE0601498\"", StringComparison.Ordinal));
            Assert.True(index.Contains("cli-song"), "a description leaves the index alone");

            var removed = IntegrationHost.WhenIndex(index, i => !i.Contains("cli-song"));
            var remove = CliRun.Invoke(configuration, "catalog", "remove", "cli-song");

            Assert.True(remove.ExitCode == 0, remove.ToString());
            await removed.WaitAsync(LiveWithin);
            Assert.DoesNotContain(CliRun.Invoke(configuration, "catalog", "list").OutLines, line => line.Contains("cli-song", StringComparison.Ordinal));
            Assert.Equal(1, CliRun.Invoke(configuration, "catalog", "remove", "cli-song").ExitCode);
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }

    [Fact]
    public async Task CatalogVerbs_RedisConfiguredButUnreachable_RefuseAndChangeNothing()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        using var dir = new TempDirectory();
        var settings = TestServers.SharedDeployment(pg, ($"127.0.0.1:{TestServers.ClosedPort()}", "zamio-gone"));
        settings["Zamio:Redis:ConnectTimeoutMilliseconds"] = "200";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var song = dir.Combine("unheard.wav");
        ServeFixture.WriteWav(song, SyntheticSong.Generate(32, 30));

        var add = CliRun.Invoke(configuration, "catalog", "add", song);

        Assert.Equal(1, add.ExitCode);
        Assert.Contains("Redis is unreachable", add.Error, StringComparison.Ordinal);
        Assert.Empty(CliRun.Invoke(configuration, "catalog", "list").OutLines);
    }

    [Fact]
    public void CatalogVerbs_MalformedPostgresConnectionString_ExitTwoWithTheReason()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Bogus=1",
        }).Build();

        var list = CliRun.Invoke(configuration, "catalog", "list");

        Assert.Equal(2, list.ExitCode);
        Assert.Contains("not a valid connection string", list.Error, StringComparison.Ordinal);
    }
}
