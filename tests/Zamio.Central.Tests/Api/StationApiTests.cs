using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class StationApiTests(ApiFixture fixture)
{
    [Fact]
    public async Task Post_NewStationThenAgain_CreatesItThenReplacesItsKey()
    {
        const string station = "st-api-new";
        var first = await AddAsync(station, HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.Accepted, await PostPacketStatusAsync(station, first));

        var second = await AddAsync(station, HttpStatusCode.OK);

        Assert.NotEqual(first, second);
        Assert.Equal(HttpStatusCode.Unauthorized, await PostPacketStatusAsync(station, first));
        Assert.Equal(HttpStatusCode.Accepted, await PostPacketStatusAsync(station, second));
    }

    [Fact]
    public async Task Delete_Station_Is204ItsKeyIsRefusedAndItLeavesTheList()
    {
        const string station = "st-api-gone";
        var key = await AddAsync(station, HttpStatusCode.Created);

        using (var response = await fixture.SendAdminAsync(HttpMethod.Delete, $"/api/v1/stations/{station}", null, ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await PostPacketStatusAsync(station, key));
        var list = await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative));
        Assert.DoesNotContain(list.EnumerateArray(), s => s.GetProperty("station").GetString() == station);
        using var again = await fixture.SendAdminAsync(HttpMethod.Delete, $"/api/v1/stations/{station}", null, ApiFixture.AdminKey);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Contains($"No station '{station}'", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"station\": ", HttpStatusCode.BadRequest, "Send JSON")]
    [InlineData("[1, 2]", HttpStatusCode.BadRequest, "Send JSON")]
    [InlineData("{}", HttpStatusCode.BadRequest, "'station': a station id is 1..64 characters")]
    [InlineData("{\"station\": \"bad/id\"}", HttpStatusCode.BadRequest, "'station': a station id is 1..64 characters")]
    [InlineData("{\"station\": \"zamio-central-a\"}", HttpStatusCode.BadRequest, "reserved for central's own MQTT clients")]
    public async Task Post_BadBody_Is400WithTheReasonAndCreatesNothing(string body, HttpStatusCode expected, string reason)
    {
        var before = await StationCountAsync();
        using var response = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/stations", Json(body), ApiFixture.AdminKey);

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await StationCountAsync());
    }

    [Fact]
    public async Task StationAdmin_WithoutTheAdminKeyOrOversized_IsRefusedAndChangesNothing()
    {
        var before = await StationCountAsync();
        using (var response = await fixture.SendAsync(HttpMethod.Post, "/api/v1/stations", Json("{\"station\": \"st-api-anon\"}"), null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/stations", Json("{\"station\": \"st-api-anon\"}"), "not-the-admin-key"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var response = await fixture.SendAdminAsync(HttpMethod.Delete, "/api/v1/stations/pk-http", null, fixture.Keys["pk-http"]))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var padded = "{\"station\": \"st-api-big\", \"pad\": \"" + new string('x', 2000) + "\"}";
        using (var response = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/stations", Json(padded), ApiFixture.AdminKey))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        // Chunked, so no Content-Length to refuse it by: the body cap stops it.
        var chunked = Json(padded);
        chunked.Headers.ContentLength = null;
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/stations", UriKind.Relative)) { Content = chunked })
        {
            request.Headers.TransferEncodingChunked = true;
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiFixture.AdminKey);
            using var response = await fixture.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }

        Assert.Equal(before, await StationCountAsync());
    }

    private async Task<string> AddAsync(string station, HttpStatusCode expected)
    {
        using var response = await fixture.SendAdminAsync(HttpMethod.Post, "/api/v1/stations", Json($"{{\"station\": \"{station}\"}}"), ApiFixture.AdminKey);
        Assert.Equal(expected, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(station, body.GetProperty("station").GetString());
        return body.GetProperty("key").GetString()!;
    }

    private async Task<HttpStatusCode> PostPacketStatusAsync(string station, string key)
    {
        using var response = await fixture.PostPacketAsync(station, key, StationFeed.Packets(station, ApiFixture.Song(1))[0].ToArray());
        return response.StatusCode;
    }

    private async Task<int> StationCountAsync() =>
        (await fixture.Reader.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative))).GetArrayLength();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
