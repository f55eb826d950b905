using System.Net;
using System.Net.Http.Headers;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class MalformedBodyTests(ApiFixture fixture)
{
    [Theory]
    [InlineData("/api/v1/identify", null)]
    [InlineData("/api/v1/tracks", "Bearer")]
    [InlineData("/api/music-monitor/stream/upload/", "Token")]
    public async Task Post_MultipartBodyEndingBeforeItsClosingBoundary_Is400WithTheReason(string path, string? scheme)
    {
        using var body = new StringContent("--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF");
        body.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=XYZ");
        var auth = scheme switch
        {
            "Bearer" => new AuthenticationHeaderValue(scheme, ApiFixture.AdminKey),
            "Token" => new AuthenticationHeaderValue(scheme, fixture.Keys[ApiFixture.StationNames[0]]),
            _ => null,
        };

        using var response = await fixture.SendAsync(HttpMethod.Post, path, body, auth);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("ends before its multipart closing boundary", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_ChunkedBodyPastTheCap_Is413NotMalformed()
    {
        // No Content-Length to refuse up front: the cap is met while the form is read.
        var station = ApiFixture.StationNames[0];
        using var form = ApiFixture.UploadForm(station, Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(-5), new byte[6 * 1024 * 1024]);
        await form.LoadIntoBufferAsync();
        using var chunked = new StreamContent(await form.ReadAsStreamAsync());
        chunked.Headers.ContentType = form.Headers.ContentType;
        chunked.Headers.ContentLength = null;

        using var response = await fixture.SendAsync(HttpMethod.Post, "/api/music-monitor/stream/upload/", chunked,
            new AuthenticationHeaderValue("Token", fixture.Keys[station]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task PostTrack_DotId_Is400SoNoTrackIsBeyondDelete(string id)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(fixture.Clip(3, 0, 10)), "file", "dots.wav");
        form.Add(new StringContent(id), "id");

        using var response = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/tracks", form, ApiFixture.AdminKey);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not '.' or '..'", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Identify_ClipHoldingMoreThanTwoMinutes_Is400SayingSo()
    {
        var path = Path.Combine(fixture.AudioDirectory, "..", "long-clip.wav");
        Zamio.Central.Tests.Serve.ServeFixture.WriteWav(path, Zamio.Central.Tests.Serve.SyntheticSong.Generate(5, 130)); // 2 MB, under the byte limit
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(path));

        using var response = await fixture.SendAsync(HttpMethod.Post, "/api/v1/identify", body, null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("more than 120 s of audio", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

