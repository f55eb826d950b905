using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class UploadTests(ApiFixture fixture)
{
    private static readonly DateTimeOffset AiredAt = new(2026, 11, 2, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_matching_clip_answers_the_track_and_consecutive_chunks_make_one_closed_play()
    {
        const string station = "up-match";
        // The song went on air at AiredAt; the app recorded 12-22 s and then 22-32 s of it.
        var first = Guid.NewGuid();
        using (var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, first, AiredAt.AddSeconds(12), fixture.Clip(1, 12, 22))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(first.ToString(), body.GetProperty("chunk_id").GetString());
            Assert.Equal(station, body.GetProperty("station_id").GetString());
            Assert.Equal(ApiFixture.TrackId(1), body.GetProperty("track").GetString());
            Assert.Equal("matched", body.GetProperty("status").GetString());
            Assert.InRange(body.GetProperty("offset").GetDouble(), 11, 13);
            Assert.InRange(body.GetProperty("speed").GetDouble(), 0.98, 1.02);
            Assert.InRange(body.GetProperty("confidence").GetDouble(), 0.01, 1);
        }

        using (var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), AiredAt.AddSeconds(22), fixture.Clip(1, 22, 32))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var plays = await ApiWait.ForAsync(
            () => fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative)),
            p => p.GetArrayLength() == 1 && (p[0].GetProperty("end").GetDateTimeOffset() - AiredAt).TotalSeconds > 30);
        var play = plays[0];
        Assert.Equal(ApiFixture.TrackId(1), play.GetProperty("track").GetString());
        Assert.Equal("closed", play.GetProperty("status").GetString());
        Assert.InRange((play.GetProperty("start").GetDateTimeOffset() - AiredAt).TotalSeconds, 11.5, 12.5);
        Assert.InRange((play.GetProperty("end").GetDateTimeOffset() - AiredAt).TotalSeconds, 31.5, 32.5);
    }

    [Fact]
    public async Task Unknown_audio_is_no_match_and_a_repeated_chunk_id_returns_the_stored_result()
    {
        const string station = "up-dup";
        var chunk = Guid.NewGuid();
        string first;
        using (var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, chunk, AiredAt, fixture.Clip(2, 5, 15))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            first = await response.Content.ReadAsStringAsync();
        }

        // The retry carries other audio (unknown music): the stored answer comes back, nothing is re-matched.
        using (var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, chunk, AiredAt, fixture.Clip(77, 0, 10))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(first, await response.Content.ReadAsStringAsync());
        }

        using (var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), AiredAt.AddMinutes(5), fixture.Clip(77, 0, 10))))
        {
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("no_match", body.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, body.GetProperty("track").ValueKind);
        }

        var doc = JsonDocument.Parse(first).RootElement;
        Assert.Equal(ApiFixture.TrackId(2), doc.GetProperty("track").GetString());
    }

    [Fact]
    public async Task Missing_or_bad_tokens_are_401_and_another_stations_token_is_403()
    {
        var clip = fixture.Clip(3, 0, 10);
        using (var response = await fixture.UploadAsync(null, ApiFixture.UploadForm("up-auth-a", Guid.NewGuid(), AiredAt, clip)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await fixture.UploadAsync("not-a-key", ApiFixture.UploadForm("up-auth-a", Guid.NewGuid(), AiredAt, clip)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await fixture.UploadAsync(fixture.Keys["up-auth-b"], ApiFixture.UploadForm("up-auth-a", Guid.NewGuid(), AiredAt, clip)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using (var response = await fixture.UploadAsync(fixture.Keys["up-auth-a"], ApiFixture.UploadForm("up-auth-a", Guid.NewGuid(), AiredAt, clip)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Over_5_MB_is_413_and_bad_fields_are_400()
    {
        const string station = "up-big";
        using (var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), AiredAt, new byte[(5 * 1024 * 1024) + 1])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        // 2 GB announced and not one byte of body sent: the answer comes from Content-Length alone.
        Assert.StartsWith("HTTP/1.1 413", await RawHeadersOnlyAsync(fixture.Http.BaseAddress!, fixture.Keys[station], 2L * 1024 * 1024 * 1024), StringComparison.Ordinal);

        using (var form = ApiFixture.UploadForm(station, Guid.NewGuid(), AiredAt, fixture.Clip(1, 0, 5)))
        {
            form.Add(new StringContent("x"), "chunk_id");
            using var response = await fixture.UploadAsync(fixture.Keys[station], form);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("must each be sent once", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), AiredAt, new byte[4000], "chunk.m4a")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        // A clip stamped years ahead would record a future play; one stamped in year 1 is not a broadcast either.
        foreach (var (startedAt, reason) in new[] { (DateTimeOffset.UtcNow.AddYears(5), "ahead of central's clock"), (DateTimeOffset.MinValue, "out of range") })
        {
            using var response = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), startedAt, fixture.Clip(1, 0, 5)));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    private static async Task<string> RawHeadersOnlyAsync(Uri baseAddress, string key, long contentLength)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        var stream = client.GetStream();
        var head = "POST /api/music-monitor/stream/upload/ HTTP/1.1\r\n"
            + $"Host: {baseAddress.Authority}\r\n"
            + $"Authorization: Token {key}\r\n"
            + "Content-Type: multipart/form-data; boundary=x\r\n"
            + $"Content-Length: {contentLength}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return System.Text.Encoding.ASCII.GetString(buffer, 0, read);
    }

    [Fact]
    public async Task A_station_over_its_upload_rate_gets_429_with_retry_after()
    {
        const string station = "up-rate";
        var clip = fixture.Clip(3, 5, 10);
        for (var i = 0; i < ApiFixture.UploadBurst; i++)
        {
            using var ok = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), AiredAt.AddSeconds(i * 5), clip));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        using var refused = await fixture.UploadAsync(fixture.Keys[station], ApiFixture.UploadForm(station, Guid.NewGuid(), AiredAt.AddSeconds(60), clip));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
    }
}
