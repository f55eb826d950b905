using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class ReportApiTests(ApiFixture fixture)
{
    private const string Station = "rp-report";
    private static readonly DateTimeOffset Day = new(2026, 11, 5, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetAirplay_PlaysOfADay_SumsThemPerTrackWithTheCatalogueMetadata()
    {
        await SeedAsync();

        var lines = (await fixture.Reader.GetFromJsonAsync<JsonElement>(Uri(""))).EnumerateArray().ToList();

        Assert.Equal([("no-longer-in-the-catalogue", 1, 0, 60.0), (ApiFixture.TrackId(1), 2, 1, 380.0)],
            lines.Select(l => (l.GetProperty("track").GetString(), l.GetProperty("plays").GetInt32(), l.GetProperty("ongoing").GetInt32(), l.GetProperty("seconds").GetDouble())));
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("isrc").ValueKind);
        Assert.Equal(("One, the song", ApiFixture.Song1Isrc), (lines[1].GetProperty("title").GetString(), lines[1].GetProperty("isrc").GetString()));
    }

    [Fact]
    public async Task GetAirplay_FormatCsv_IsAnAttachmentWithAQuotedTitle()
    {
        await SeedAsync();

        using var response = await fixture.Reader.GetAsync(Uri("&format=csv"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("airplay-20261105T000000Z-20261106T000000Z.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]); // the UTF-8 byte order mark spreadsheets look for
        var rows = System.Text.Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(AirplayReport.CsvHeader, rows[0]);
        Assert.StartsWith($"{Station},{ApiFixture.TrackId(1)},\"One, the song\",Synth Band,{ApiFixture.Song1Isrc},2,1,380.0,", rows[2], StringComparison.Ordinal);
        Assert.Equal(3, rows.Length);
    }

    [Theory]
    [InlineData("/api/v1/reports/airplay?from=2026-11-05T00:00:00Z", "both needed")]
    [InlineData("/api/v1/reports/airplay?from=2026-11-05T00:00:00Z&to=2026-11-04T00:00:00Z", "later than")]
    [InlineData("/api/v1/reports/airplay?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "at most 366 days")]
    [InlineData("/api/v1/reports/airplay?from=yesterday&to=2026-11-04T00:00:00Z", "ISO 8601")]
    [InlineData("/api/v1/reports/airplay?from=2026-11-05T00:00:00Z&to=2026-11-06T00:00:00Z&format=xlsx", "json (the default) or csv")]
    public async Task GetAirplay_BadQuery_Is400WithTheReason(string url, string reason)
    {
        using var response = await fixture.Reader.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Uri Uri(string extra) =>
        new($"/api/v1/reports/airplay?station={Station}&from={Day:yyyy-MM-ddTHH:mm:ssZ}&to={Day.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}{extra}", UriKind.Relative);

    private async Task SeedAsync()
    {
        var store = fixture.Services.GetRequiredService<PlayStore>();
        store.Upsert(
        [
            new PlayRecord(Station, $"{Station}/1-0-0/1", ApiFixture.TrackId(1), Day.AddHours(9), Day.AddHours(9).AddSeconds(200), 0.99, 1, "closed"),
            new PlayRecord(Station, $"{Station}/1-0-0/2", ApiFixture.TrackId(1), Day.AddHours(23).AddMinutes(58), Day.AddDays(1).AddSeconds(60), 0.99, 1, "ongoing"),
            new PlayRecord(Station, $"{Station}/1-0-0/3", "no-longer-in-the-catalogue", Day.AddHours(10), Day.AddHours(10).AddSeconds(60), 0.99, 1, "closed"),
        ]);
        await store.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
