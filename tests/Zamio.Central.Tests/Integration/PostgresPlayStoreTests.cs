using Npgsql;
using Xunit.Abstractions;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Integration;

/// <summary>Plays written to PostgreSQL by several instances at once (real server, see <see cref="TestServers"/>).</summary>
[Trait("Category", "Integration")]
public sealed class PostgresPlayStoreTests(ITestOutputHelper output)
{
    [Fact]
    public async Task UpsertAsync_OneAiringFromTwoInstancesAtOnce_KeepsOneRowPerStation()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        var (first, second, otherSource) = await TwoInstancesAsync(pg);
        await using var _ = otherSource;
        var start = new DateTimeOffset(2024, 7, 1, 8, 0, 0, TimeSpan.Zero);
        var stations = Enumerable.Range(0, 30).Select(i => $"st-race-{i}").ToList();

        // A station moving between instances: its new session finds the airing the old one is still writing, 2 s apart.
        await Task.WhenAll(stations.SelectMany(station => new[]
        {
            first.UpsertAsync([new PlayRecord(station, $"{station}/100-0-0/1", "song1", start, start.AddSeconds(60), 0.9, 1, "ongoing")], start, CancellationToken.None),
            second.UpsertAsync([new PlayRecord(station, $"{station}/200-0-0/1", "song1", start.AddSeconds(2), start.AddSeconds(62), 0.9, 1, "ongoing")], start, CancellationToken.None),
        }));

        var rows = first.Query(null, null, null, 1000).GroupBy(p => p.Station).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(stations.ToDictionary(s => s, _ => 1), rows);
    }

    [Fact]
    public async Task UpsertAsync_BatchesOfTheSameStationsInOppositeOrders_KeepOneRowPerStation()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        var (first, second, otherSource) = await TwoInstancesAsync(pg);
        await using var _ = otherSource;
        var start = new DateTimeOffset(2024, 7, 1, 8, 0, 0, TimeSpan.Zero);
        var stations = Enumerable.Range(0, 200).Select(i => $"st-batch-{i}").ToList();
        PlayRecord Play(string station, string session, double offset) =>
            new(station, $"{station}/{session}/1", "song1", start.AddSeconds(offset), start.AddSeconds(offset + 60), 0.9, 1, "ongoing");

        // Each batch holds every station, one in the other's reverse order: waiting on each other's locks crosswise would
        // deadlock (and PostgreSQL would fail one of them).
        for (var round = 0; round < 5; round++)
        {
            var session = $"{round}00-0-0";
            await Task.WhenAll(
                first.UpsertAsync([.. stations.Select(s => Play(s, "1" + session, round * 600))], start, CancellationToken.None),
                second.UpsertAsync([.. stations.AsEnumerable().Reverse().Select(s => Play(s, "2" + session, (round * 600) + 2))], start, CancellationToken.None));
        }

        var rows = first.Query(null, null, null, 10_000).GroupBy(p => p.Station).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(stations.ToDictionary(s => s, _ => 5), rows);
    }

    // Two instances: each its own pool and its own memory of which keys it has written.
    private static async Task<(PostgresPlayStore First, PostgresPlayStore Second, NpgsqlDataSource SecondSource)> TwoInstancesAsync(PostgresSchema pg)
    {
        var secondSource = NpgsqlDataSource.Create(pg.ConnectionString);
        return (new PostgresPlayStore(await pg.MigratedAsync()), new PostgresPlayStore(secondSource), secondSource);
    }
}
