using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class LivePlaysApiTests(ApiFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Live_PlaysStoredAfterSubscribing_OnlyTheStationsArriveAsEventsWithTheirDescription()
    {
        using var response = await fixture.Reader.GetAsync(new Uri("/api/v1/plays/live?station=lv-joy", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal(": subscribed", await events.ReadLineAsync().WaitAsync(Patience));
        var metrics = await fixture.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Matches(@"(?m)^zamio_plays_live_subscribers [1-9]", metrics);

        var start = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        var store = fixture.Services.GetRequiredService<PlayStore>();
        store.Upsert([new PlayRecord("lv-other", "lv-other/1-0/1", ApiFixture.TrackId(1), start, start.AddSeconds(30), 0.99, 1, "ongoing")]);
        store.Upsert([new PlayRecord("lv-joy", "lv-joy/1-0/1", ApiFixture.TrackId(1), start, start.AddSeconds(30), 0.99, 1, "ongoing")]);

        var (name, data) = await NextEventAsync(events);
        Assert.Equal("play", name);
        Assert.Equal(("lv-joy", "lv-joy/1-0/1", ApiFixture.TrackId(1), ApiFixture.Song1Isrc, "ongoing"),
            (data.GetProperty("station").GetString(), data.GetProperty("id").GetString(), data.GetProperty("track").GetString(),
             data.GetProperty("isrc").GetString(), data.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Live_NoKeyOrAStationRepeated_401Or400AndNoStream()
    {
        using var anonymous = await fixture.SendAsync(HttpMethod.Get, "/api/v1/plays/live", null, null);
        using var repeated = await fixture.Reader.GetAsync(new Uri("/api/v1/plays/live?station=a&station=b", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, repeated.StatusCode);
    }

    [Fact]
    public async Task Live_StationKeyRevokedWhileStreaming_StreamEndsAtTheNextHeartbeat()
    {
        const string station = "lv-revoked";
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/plays/live?station={station}");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Token", fixture.Keys[station]);
        using var response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal(": subscribed", await events.ReadLineAsync().WaitAsync(Patience));
        Assert.Equal("", await events.ReadLineAsync().WaitAsync(Patience));
        Assert.Equal(": ping", await events.ReadLineAsync().WaitAsync(Patience)); // heartbeats come while the key holds

        using var removed = await fixture.SendAdminAsync(HttpMethod.Delete, $"/api/v1/stations/{station}", null, ApiFixture.AdminKey);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);

        string? line;
        do
        {
            line = await events.ReadLineAsync().WaitAsync(Patience);
        }
        while (line is not null);
    }

    private static async Task<(string Name, JsonElement Data)> NextEventAsync(StreamReader events)
    {
        string? name = null;
        while (await events.ReadLineAsync().WaitAsync(Patience) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
            {
                return (name, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
            }
        }

        throw new EndOfStreamException("the stream ended before an event");
    }
}
