using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class PlaysApiTests(ApiFixture fixture)
{
    private const string Station = "pl-pages";

    [Fact]
    public async Task GetPlays_MorePlaysThanTheLimit_LinksPageByPageToEveryPlayOnce()
    {
        var start = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
        var written = Enumerable.Range(0, 5)
            .Select(i => new PlayRecord(Station, $"{Station}/1-0-0/{i}", "song1", start.AddMinutes(i), start.AddMinutes(i + 3), 0.99, 1, "closed"))
            .ToList();
        var store = fixture.Services.GetRequiredService<PlayStore>();
        store.Upsert(written);
        await store.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var seen = new List<string>();
        var pages = 0;
        string? next = $"/api/v1/plays?station={Station}&limit=2";
        while (next is not null)
        {
            using var response = await fixture.Reader.GetAsync(new Uri(next, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            seen.AddRange(page.EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            pages++;
            next = response.Headers.TryGetValues("Link", out var links) ? NextLink(links.Single()) : null;
            Assert.True(pages <= 3, "the last page links nowhere");
        }

        Assert.Equal(3, pages);

        // Exactly a page's worth left: that page is the last, with no link to an empty one.
        using var exact = await fixture.Reader.GetAsync(new Uri($"/api/v1/plays?station={Station}&limit=5", UriKind.Relative));
        Assert.Equal(5, (await exact.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength());
        Assert.False(exact.Headers.Contains("Link"));
        Assert.Equal(written.Select(p => p.PlayKey), seen);
    }

    [Fact]
    public async Task GetPlays_TrackWithCatalogueMetadata_CarriesTitleArtistAndIsrc()
    {
        const string station = "pl-meta";
        var start = new DateTimeOffset(2026, 11, 3, 9, 0, 0, TimeSpan.Zero);
        var store = fixture.Services.GetRequiredService<PlayStore>();
        store.Upsert(
        [
            new PlayRecord(station, $"{station}/1-0-0/1", ApiFixture.TrackId(1), start, start.AddMinutes(3), 0.99, 1, "closed"),
            new PlayRecord(station, $"{station}/1-0-0/2", "no-longer-in-the-catalogue", start.AddMinutes(4), start.AddMinutes(7), 0.99, 1, "closed"),
        ]);
        await store.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        var plays = (await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative))).EnumerateArray().ToList();

        Assert.Equal(2, plays.Count);
        Assert.Equal(("One, the song", "Synth Band", ApiFixture.Song1Isrc),
            (plays[0].GetProperty("title").GetString(), plays[0].GetProperty("artist").GetString(), plays[0].GetProperty("isrc").GetString()));
        Assert.Equal(JsonValueKind.Null, plays[1].GetProperty("isrc").ValueKind);
        Assert.Equal("no-longer-in-the-catalogue", plays[1].GetProperty("track").GetString());
    }

    [Fact]
    public async Task GetPlays_TrackAddedThenRemoved_MetadataFollowsTheCatalogue()
    {
        const string station = "pl-meta-live";
        var track = ApiFixture.TrackId(7);
        var start = new DateTimeOffset(2026, 11, 4, 9, 0, 0, TimeSpan.Zero);
        var store = fixture.Services.GetRequiredService<PlayStore>();
        store.Upsert([new PlayRecord(station, $"{station}/1-0-0/1", track, start, start.AddMinutes(3), 0.99, 1, "closed")]);
        await store.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Null(await IsrcAsync(station));

        using (var added = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/tracks", fixture.TrackForm(7, "Seven", "ZZ0000000007"), ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        Assert.Equal("ZZ0000000007", await IsrcAsync(station));
        using (var removed = await fixture.SendAdminAsync(HttpMethod.Delete, $"/api/v1/tracks/{track}", null, ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        Assert.Null(await IsrcAsync(station));
    }

    [Theory]
    [InlineData("limit=0", "'limit' must be")]
    [InlineData("limit=10001", "'limit' must be")]
    [InlineData("limit=ten", "'limit' must be")]
    [InlineData("after=garbage!", "'after' must be")]
    [InlineData("from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z", "'to' must be later than 'from'")]
    [InlineData("from=1/2/2026", "ISO 8601")]
    [InlineData("station=other", "'station' is given more than once")]
    public async Task GetPlays_BadQuery_Is400WithTheReason(string query, string reason)
    {
        using var response = await fixture.Reader.GetAsync(new Uri($"/api/v1/plays?station={Station}&{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<string?> IsrcAsync(string station) =>
        Assert.Single((await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative))).EnumerateArray())
            .GetProperty("isrc").GetString();

    private static string NextLink(string header)
    {
        Assert.EndsWith(">; rel=\"next\"", header, StringComparison.Ordinal);
        return header[1..header.IndexOf('>', StringComparison.Ordinal)];
    }
}
