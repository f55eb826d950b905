using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class TrackDescribeApiTests(ApiFixture fixture)
{
    private const int Seed = 11;

    [Fact]
    public async Task Patch_MergePatch_ChangesGivenFieldsClearsNullsAndPlaysShowItAtOnce()
    {
        const string station = "td-plays";
        await AddTrackAsync();
        var start = new DateTimeOffset(2026, 11, 5, 9, 0, 0, TimeSpan.Zero);
        var store = fixture.Services.GetRequiredService<PlayStore>();
        store.Upsert([new PlayRecord(station, $"{station}/1-0-0/1", ApiFixture.TrackId(Seed), start, start.AddMinutes(3), 0.99, 1, "closed")]);
        await store.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("Eleven", (await PlayAsync(station)).GetProperty("title").GetString());

        using var response = await PatchAsync("""{"title":"Eleven (radio edit)","artist":null,"isrc":"gb-aye-06-01498"}""", ApiFixture.AdminKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var track = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Eleven (radio edit)", JsonValueKind.Null, "GBAYE0601498"),
            (track.GetProperty("title").GetString(), track.GetProperty("artist").ValueKind, track.GetProperty("isrc").GetString()));
        var play = await PlayAsync(station);
        Assert.Equal(("Eleven (radio edit)", JsonValueKind.Null, "GBAYE0601498"),
            (play.GetProperty("title").GetString(), play.GetProperty("artist").ValueKind, play.GetProperty("isrc").GetString()));
        var listed = (await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/tracks", UriKind.Relative)))
            .EnumerateArray().Single(t => t.GetProperty("id").GetString() == ApiFixture.TrackId(Seed));
        Assert.Equal("Eleven (radio edit)", listed.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("""{"title":"X"}""", "application/json", "not-the-admin-key", HttpStatusCode.Unauthorized, null)]
    [InlineData("""{"title":"X"}""", "text/plain", ApiFixture.AdminKey, HttpStatusCode.UnsupportedMediaType, "merge-patch+json")]
    [InlineData("""{"title":""", "application/json", ApiFixture.AdminKey, HttpStatusCode.BadRequest, "not JSON")]
    [InlineData("""["title"]""", "application/json", ApiFixture.AdminKey, HttpStatusCode.BadRequest, "JSON object")]
    [InlineData("""{"duration":3}""", "application/json", ApiFixture.AdminKey, HttpStatusCode.BadRequest, "'duration' cannot be changed")]
    [InlineData("""{"title":7}""", "application/json", ApiFixture.AdminKey, HttpStatusCode.BadRequest, "'title' must be a string or null")]
    [InlineData("""{"title":"X","isrc":"12345"}""", "application/merge-patch+json", ApiFixture.AdminKey, HttpStatusCode.BadRequest, "'isrc' is not an ISRC")]
    public async Task Patch_BadRequest_RefusedWithTheReasonAndNothingChanged(string body, string type, string key, HttpStatusCode status, string? reason)
    {
        await AddTrackAsync();
        var before = await TrackAsync();

        using var response = await PatchAsync(body, key, type);

        Assert.Equal(status, response.StatusCode);
        if (reason is not null)
        {
            Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before.ToString(), (await TrackAsync()).ToString());
    }

    [Fact]
    public async Task Patch_BodyOverSixteenKilobytes_413AndNothingChanged()
    {
        await AddTrackAsync();
        var before = await TrackAsync();

        using var response = await PatchAsync($$"""{"title":"{{new string('x', 20_000)}}"}""", ApiFixture.AdminKey);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before.ToString(), (await TrackAsync()).ToString());
    }

    [Fact]
    public async Task Patch_UnknownTrack_404()
    {
        using var response = await fixture.SendAdminAsync(HttpMethod.Patch, "/api/v1/tracks/no-such-track", Json("""{"title":"X"}""", "application/json"), ApiFixture.AdminKey);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("no-such-track")]
    [InlineData("not%20an%20id")]
    public async Task Get_UnknownOrInvalidId_404WithTheReason(string id)
    {
        using var response = await fixture.Reader.GetAsync(new Uri($"/api/v1/tracks/{id}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("No track", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_WithoutTheAdminKey_401()
    {
        await AddTrackAsync();

        using var response = await fixture.SendAdminAsync(HttpMethod.Get, $"/api/v1/tracks/{ApiFixture.TrackId(Seed)}", null, "not-the-admin-key");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task List_OneTrackAPage_EachPageLinksTheNextUntilTheWholeCatalogueIsWalked()
    {
        await AddTrackAsync();
        var whole = (await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/tracks", UriKind.Relative)))
            .EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToList();

        var walked = new List<string?>();
        var next = "/api/v1/tracks?limit=1";
        while (next is not null)
        {
            using var response = await fixture.Reader.GetAsync(new Uri(next, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            walked.AddRange((await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(t => t.GetProperty("id").GetString()));
            next = response.Headers.TryGetValues("Link", out var links) ? links.Single().Split('>')[0].TrimStart('<') : null;
            Assert.True(walked.Count <= whole.Count, "the walk goes past the catalogue");
        }

        Assert.True(whole.Count >= 2, "the fixture's catalogue spans pages");
        Assert.Equal(whole, walked);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=10001")]
    [InlineData("limit=ten")]
    [InlineData("limit=1&limit=2")]
    public async Task List_BadLimit_400WithTheReason(string query)
    {
        using var response = await fixture.Reader.GetAsync(new Uri($"/api/v1/tracks?{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("limit", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    // Added afresh with known fields, so each test starts from them whatever ran before.
    private async Task AddTrackAsync()
    {
        using var added = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/tracks", fixture.TrackForm(Seed, "Eleven", "ZZ0000000011"), ApiFixture.AdminKey);
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using var reset = await PatchAsync("""{"title":"Eleven","artist":"Synth Band","isrc":"ZZ0000000011"}""", ApiFixture.AdminKey);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
    }

    private Task<HttpResponseMessage> PatchAsync(string body, string key, string type = "application/merge-patch+json") =>
        fixture.SendAdminAsync(HttpMethod.Patch, $"/api/v1/tracks/{ApiFixture.TrackId(Seed)}", Json(body, type), key);

    private static StringContent Json(string body, string type) => new(body, Encoding.UTF8, type);

    private Task<JsonElement> TrackAsync() =>
        fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/tracks/{ApiFixture.TrackId(Seed)}", UriKind.Relative));

    private async Task<JsonElement> PlayAsync(string station) =>
        (await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative))).EnumerateArray().Single();
}
