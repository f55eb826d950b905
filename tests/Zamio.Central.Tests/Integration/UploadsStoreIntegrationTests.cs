using Npgsql;
using Xunit.Abstractions;
using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Integration;

/// <summary>Upload answers in PostgreSQL are shared by instances (real server, see <see cref="TestServers"/>).</summary>
[Trait("Category", "Integration")]
public sealed class UploadsStoreIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Save_ChunkSentToTwoInstances_BothAnswerWithTheFirstStoredResult()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        await using var first = NpgsqlDataSource.Create(pg.ConnectionString);
        await using var second = NpgsqlDataSource.Create(pg.ConnectionString);
        var a = UploadsStore.Postgres(first);
        var b = UploadsStore.Postgres(second);
        var row = new UploadRow("joy-fm", "6f1c0d6e-4a5b-4c1e-9a51-0b8f1f0c2d11", "2026-11-02T14:00:12Z", 15, "{}", "song2", "joy-fm/upload/1", "{\"track\":\"song2\"}", "2026-11-02T14:00:30Z");

        Assert.Null(b.Find(row.Station, row.ChunkId));
        a.Save(row);
        var again = b.Save(row with { Result = "{\"track\":null}" });

        Assert.Equal("{\"track\":\"song2\"}", again.ResultJson);
        Assert.Equal("{\"track\":\"song2\"}", b.Find(row.Station, row.ChunkId)?.ResultJson);
        Assert.Null(a.Find("other-fm", row.ChunkId));
    }
}
