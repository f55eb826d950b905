using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Archive;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Api;

/// <summary>A station's archived airing of song 2 then song 1 (never stored by live ingest), matched again over HTTP.</summary>
[Collection(ApiCollection.Name)]
public sealed class RematchApiTests(ApiFixture fixture)
{
    private const string Period = "from=2026-11-02T08:00:00Z&to=2026-11-02T10:00:00Z";

    // Yesterday: serve deletes archive days past its retention (7 days), so an older day could go while a test runs.
    private static readonly DateTimeOffset Aired = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds());

    private static string AroundAired =>
        $"from={Aired.AddHours(-1).UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}&to={Aired.AddHours(1).UtcDateTime.ToString("O", CultureInfo.InvariantCulture)}";

    [Fact]
    public async Task Post_ArchivedAiringOfANamedTrack_JobFindsAndWritesItThenFindsItAlreadyStored()
    {
        const string station = "rm-joy";
        Archive(station);

        using var started = await PostAsync($"station={station}&{AroundAired}&track=song2&write=true", ApiFixture.AdminKey);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var job = await DoneAsync(started);
        Assert.Equal(("done", 1, 1, true), (job.GetProperty("status").GetString(), job.GetProperty("stations").GetInt32(), job.GetProperty("stationsDone").GetInt32(), job.GetProperty("write").GetBoolean()));
        var play = Assert.Single(job.GetProperty("plays").EnumerateArray());
        Assert.Equal(("song2", "written"), (play.GetProperty("track").GetString(), play.GetProperty("stored").GetString()));
        Assert.InRange((play.GetProperty("start").GetDateTimeOffset() - Aired).TotalSeconds, -1, 1);
        Assert.InRange((play.GetProperty("end").GetDateTimeOffset() - Aired).TotalSeconds, 39, 41);

        var listed = (await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/rematches?limit=1000", UriKind.Relative))).EnumerateArray()
            .Single(j => j.GetProperty("id").GetString() == job.GetProperty("id").GetString());
        Assert.Equal(("done", JsonValueKind.Null), (listed.GetProperty("status").GetString(), listed.GetProperty("plays").ValueKind));
        using var badLimit = await fixture.Reader.GetAsync(new Uri("/api/v1/rematches?limit=0", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);

        var stored = await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative));
        Assert.Equal(["song2"], stored.EnumerateArray().Select(p => p.GetProperty("track").GetString()));

        // Every track this time, nothing written: song 2 is now stored, song 1 was never.
        using var again = await PostAsync($"station={station}&{AroundAired}", ApiFixture.AdminKey);
        var second = await DoneAsync(again);
        Assert.Equal([("song2", "already"), ("song1", "new")], second.GetProperty("plays").EnumerateArray().Select(p => (p.GetProperty("track").GetString(), p.GetProperty("stored").GetString())));
        Assert.Single((await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative))).EnumerateArray());
    }

    [Theory]
    [InlineData("station=rm-bad&to=2026-11-02T10:00:00Z", "'from' and 'to' are required")]
    [InlineData("station=rm-bad&from=yesterday&to=2026-11-02T10:00:00Z", "ISO 8601")]
    [InlineData("station=rm-bad&from=2026-11-02T10:00:00Z&to=2026-11-02T08:00:00Z", "later than 'from'")]
    [InlineData("station=rm-bad&from=2025-01-01T00:00:00Z&to=2026-11-02T08:00:00Z", "at most 366 days")]
    [InlineData("station=rm%20bad&" + Period, "'station'")]
    [InlineData("station=rm-bad&" + Period + "&write=maybe", "'write' must be true or false")]
    [InlineData("station=rm-bad&" + Period + "&track=song1&track=no-such-song", "Not in the catalogue: no-such-song")]
    [InlineData("station=rm-bad&station=rm-joy&" + Period, "given more than once")]
    public async Task Post_BadParameters_400WithTheReasonAndNothingQueued(string query, string reason)
    {
        Archive("rm-bad");

        using var response = await PostAsync(query, ApiFixture.AdminKey);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Post_NoArchivedPacketsOrNoAdminKey_404Or401()
    {
        using var none = await PostAsync($"station=rm-never&{Period}", ApiFixture.AdminKey);
        using var stranger = await PostAsync($"station=rm-never&{Period}", "not-the-key");
        using var unknown = await fixture.Reader.GetAsync(new Uri("/api/v1/rematches/0123456789abcdef", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Contains("No archived packets of station 'rm-never'", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private Task<HttpResponseMessage> PostAsync(string query, string key) =>
        fixture.SendAdminAsync(HttpMethod.Post, $"/api/v1/rematches?{query}", null, key);

    // The job's own completion, then what GET shows of it.
    private async Task<JsonElement> DoneAsync(HttpResponseMessage started)
    {
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/rematches/{id}", started.Headers.Location?.OriginalString);
        await fixture.Services.GetRequiredService<RematchJobs>().Find(id)!.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        return await fixture.Reader.GetFromJsonAsync<JsonElement>(started.Headers.Location);
    }

    private void Archive(string station) =>
        StationFeed.WriteArchiveDay(
            Path.Combine(fixture.DataDirectory, "archive"),
            StationFeed.Packets(station, StationFeed.Concat(ApiFixture.Song(2), ApiFixture.Song(1), SyntheticSong.Silence(20)), captureStart: Aired));
}
