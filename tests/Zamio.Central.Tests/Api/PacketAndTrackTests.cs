using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class PacketAndTrackTests(ApiFixture fixture)
{
    [Theory]
    [InlineData("pk-http", false)]
    [InlineData("pk-http-v1", true)] // an agent older than support peaks: format 1, landmarks alone
    public async Task Packets_posted_over_http_become_a_closed_play(string station, bool format1)
    {
        var audio = StationFeed.Concat(SyntheticSong.Silence(5), ApiFixture.Song(2), SyntheticSong.Silence(40));
        foreach (var packet in StationFeed.Packets(station, audio))
        {
            var bytes = format1 ? StationFeed.AsFormat1(packet) : packet.ToArray();
            Assert.Equal(!format1, FingerprintPacket.Decode(bytes).CarriesSupport);
            using var response = await fixture.PostPacketAsync(station, fixture.Keys[station], bytes);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var plays = await ApiWait.ForAsync(
            () => fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative)),
            p => p.EnumerateArray().Any(x => x.GetProperty("status").GetString() == "closed"));
        var play = Assert.Single(plays.EnumerateArray());
        Assert.Equal(ApiFixture.TrackId(2), play.GetProperty("track").GetString());
        Assert.InRange((play.GetProperty("start").GetDateTimeOffset() - StationFeed.CaptureStart).TotalSeconds, 3.5, 6.5);
    }

    [Fact]
    public async Task A_refused_packet_names_its_reason_code_and_becomes_the_stations_last_rejection()
    {
        const string station = "pk-refused";
        var good = StationFeed.Packets(station, ApiFixture.Song(3))[0];
        var foreign = new FingerprintPacket(good.StationId, good.Sequence, good.CaptureStartUnixMicros, good.StartFrame, good.FrameCount, good.Peaks.AsSpan(),
            algorithmVersion: Zamio.Shared.Fingerprinting.FingerprintSettings.AlgorithmVersion + 1);

        using var response = await fixture.PostPacketAsync(station, fixture.Keys[station], foreign.ToArray());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(RejectReasons.AlgorithmVersion, problem.GetProperty("reason").GetString());
        var last = fixture.Services.GetRequiredService<Zamio.Central.Stations.StationActivity>().State(station).LastRejection;
        Assert.Equal((RejectReasons.AlgorithmVersion, problem.GetProperty("detail").GetString()), (last?.Reason, last?.Detail));
        var listed = (await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative)))
            .EnumerateArray().Single(s => s.GetProperty("station").GetString() == station);
        Assert.Equal(RejectReasons.AlgorithmVersion, listed.GetProperty("lastRejection").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Bad_packets_are_400_with_a_reason_and_foreign_keys_are_401_or_403()
    {
        const string station = "pk-bad";
        var good = StationFeed.Packets(station, ApiFixture.Song(3))[0].ToArray();
        using (var response = await fixture.PostPacketAsync(station, null, good))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await fixture.PostPacketAsync(station, "wrong", good))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await fixture.PostPacketAsync(station, fixture.Keys["pk-http"], good))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        var junk = new byte[300];
        new Random(3).NextBytes(junk);
        using (var response = await fixture.PostPacketAsync(station, fixture.Keys[station], junk))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("Malformed packet", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A valid packet of another station, sent with this station's key on this station's path.
        var foreign = StationFeed.Packets("pk-http", ApiFixture.Song(3))[0].ToArray();
        using (var response = await fixture.PostPacketAsync(station, fixture.Keys[station], foreign))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("pk-http", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await fixture.PostPacketAsync(station, fixture.Keys[station], new byte[FingerprintPacket.MaxPacketSize + 1]))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        using (var response = await fixture.PostPacketAsync(station, fixture.Keys[station], good))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    [Fact]
    public async Task Tracks_need_the_admin_key_and_an_added_track_is_identified_at_once_until_deleted()
    {
        using (var anonymous = await fixture.Http.GetAsync(new Uri("/api/v1/tracks", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrong = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/tracks", fixture.TrackForm(9, "Nine", "ZZ0000000009"), "not-the-admin-key"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // song9 is not in the catalogue yet.
        Assert.Null(await IdentifyAsync(9));

        using (var added = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/tracks", fixture.TrackForm(9, "Nine", "ZZ0000000009"), ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            var track = await added.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("song9", track.GetProperty("id").GetString());
            Assert.Equal("Nine", track.GetProperty("title").GetString());
            Assert.Equal("Synth Band", track.GetProperty("artist").GetString());
            Assert.Equal("ZZ0000000009", track.GetProperty("isrc").GetString());
            Assert.InRange(track.GetProperty("duration").GetDouble(), ApiFixture.SongSeconds - 0.5, ApiFixture.SongSeconds + 0.5);
        }

        // No restart, no wait: the next identify sees the new track.
        Assert.Equal("song9", await IdentifyAsync(9));

        // A re-upload keeps the metadata it is not given; an ISRC that is not one is refused.
        using (var again = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/tracks", fixture.TrackForm(9, null, null, artist: null), ApiFixture.AdminKey))
        {
            var track = await again.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("Nine", "Synth Band", "ZZ0000000009"), (track.GetProperty("title").GetString(), track.GetProperty("artist").GetString(), track.GetProperty("isrc").GetString()));
        }

        using (var badIsrc = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/tracks", fixture.TrackForm(9, "Nine", "not an isrc!!"), ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badIsrc.StatusCode);
            Assert.Contains("is not an ISRC", await badIsrc.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var list = await fixture.SendAdminAsync(HttpMethod.Get, "/api/v1/tracks", null, ApiFixture.AdminKey))
        {
            var ids = (await list.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToList();
            Assert.Contains("song9", ids);
            Assert.Contains("song1", ids);
        }

        using (var anonymousDelete = await fixture.Http.DeleteAsync(new Uri("/api/v1/tracks/song9", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymousDelete.StatusCode);
        }

        using (var deleted = await fixture.SendAdminAsync(HttpMethod.Delete, "/api/v1/tracks/song9", null, ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Null(await IdentifyAsync(9));
        using (var again = await fixture.SendAdminAsync(HttpMethod.Delete, "/api/v1/tracks/song9", null, ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        // Readiness counts the catalogue's tracks, not the removed one still holding its place in the index.
        using (var list = await fixture.SendAdminAsync(HttpMethod.Get, "/api/v1/tracks", null, ApiFixture.AdminKey))
        using (var ready = await fixture.Http.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            var listed = (await list.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength();
            Assert.Equal(listed, (await ready.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("index").GetProperty("tracks").GetInt32());
        }
    }

    [Fact]
    public async Task Metrics_expose_ingest_upload_match_and_index_series_after_traffic()
    {
        const string station = "mx-traffic";
        using (var upload = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), DateTimeOffset.UtcNow, fixture.Clip(1, 3, 13))))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        foreach (var packet in StationFeed.Packets(station, ApiFixture.Song(3)).Take(5))
        {
            using var response = await fixture.PostPacketAsync(station, fixture.Keys[station], packet.ToArray());
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        using (var junk = await fixture.PostPacketAsync(station, fixture.Keys[station], [1, 2, 3, 4]))
        {
            Assert.Equal(HttpStatusCode.BadRequest, junk.StatusCode);
        }

        var text = await ApiWait.ForAsync(
            () => fixture.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            t => t.Contains("zamio_ingest_packets_total{result=\"accepted\"}", StringComparison.Ordinal)
                && !t.Contains("zamio_ingest_packets_total{result=\"accepted\"} 0\n", StringComparison.Ordinal)
                && t.Contains("zamio_match_duration_seconds_bucket{source=\"stream\",le=\"+Inf\"}", StringComparison.Ordinal));
        using (var response = await fixture.Http.GetAsync(new Uri("/metrics", UriKind.Relative)))
        {
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        }

        Assert.Contains("# TYPE zamio_ingest_packets_total counter", text, StringComparison.Ordinal);
        Assert.Contains("zamio_ingest_rejections_total{reason=\"malformed\"}", text, StringComparison.Ordinal);
        Assert.Contains("zamio_uploads_total{result=\"matched\"}", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE zamio_match_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("zamio_match_duration_seconds_count{source=\"upload\"}", text, StringComparison.Ordinal);
        Assert.Contains("zamio_plays_written_total{status=\"closed\"}", text, StringComparison.Ordinal);
        Assert.Matches(@"zamio_index_tracks [1-9]", text);
        Assert.Matches(@"zamio_index_postings [1-9]", text);
        Assert.Matches(@"zamio_index_memory_bytes [1-9]", text);
        var source = fixture.Services.GetRequiredService<Zamio.Central.Catalog.CatalogIndex>().LoadedFrom;
        Assert.Contains($"zamio_index_source{{source=\"{source}\"}} 1", text, StringComparison.Ordinal);
        Assert.Contains("zamio_index_version 0", text, StringComparison.Ordinal); // no Redis: no change counter
        Assert.DoesNotMatch(@"(?m)^zamio_cache_connected ", text); // and no cache to report on
    }

    private async Task<string?> IdentifyAsync(int seed)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(fixture.Clip(seed, 10, 20));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", "clip.wav");
        using var response = await fixture.Http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.GetProperty("track").GetString();
    }
}
