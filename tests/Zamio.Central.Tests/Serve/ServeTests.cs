using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using Zamio.Central.Ingest;
using Zamio.Central.Stations;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Serve;

[Collection(ServeCollection.Name)]
public sealed class ServeTests(ServeFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Health_reports_live_and_ready()
    {
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        var ready = await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal(3, ready.GetProperty("index").GetProperty("tracks").GetInt32());
        var storage = ready.GetProperty("storage");
        Assert.Equal(("embedded", "disabled"), (storage.GetProperty("database").GetString(), storage.GetProperty("redis").GetString()));
    }

    [Fact]
    public async Task Published_packets_become_one_closed_play_with_broadcast_times()
    {
        // 10 s of silence, the song, 40 s of silence: the play starts 10 s after capture start and closes.
        var audio = StationFeed.Concat(SyntheticSong.Silence(10), fixture.Song(1), SyntheticSong.Silence(40));
        using var client = await StationFeed.ConnectAsync(fixture, "st-play", fixture.Keys["st-play"]);
        foreach (var packet in StationFeed.Packets("st-play", audio))
        {
            var result = await StationFeed.PublishAsync(client, Topics.Fingerprints("st-play"), packet.ToArray());
            Assert.True(result.IsSuccess, result.ReasonString);
        }

        var plays = await WaitForPlaysAsync("st-play", p => p.Any(x => x.GetProperty("status").GetString() == "closed"));
        var play = Assert.Single(plays);
        Assert.Equal(ServeFixture.TrackId(1), play.GetProperty("track").GetString());
        var start = play.GetProperty("start").GetDateTimeOffset();
        var end = play.GetProperty("end").GetDateTimeOffset();
        Assert.InRange((start - StationFeed.CaptureStart).TotalSeconds, 8.5, 11.5);
        Assert.InRange((end - StationFeed.CaptureStart).TotalSeconds, 10 + ServeFixture.SongSeconds - 3, 10 + ServeFixture.SongSeconds + 1.5);

        var stations = await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative));
        var station = stations.EnumerateArray().Single(s => s.GetProperty("station").GetString() == "st-play");
        Assert.True(station.GetProperty("online").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, station.GetProperty("lastPacket").ValueKind);
    }

    [Fact]
    public async Task Duplicate_delivery_does_not_duplicate_the_play()
    {
        var audio = StationFeed.Concat(fixture.Song(2), SyntheticSong.Silence(40));
        var packets = StationFeed.Packets("st-dup", audio);
        using var client = await StationFeed.ConnectAsync(fixture, "st-dup", fixture.Keys["st-dup"]);
        foreach (var packet in packets)
        {
            // Every packet twice (QoS 1 redelivery), then a replay of the first half (agent spool replay).
            await StationFeed.PublishAsync(client, Topics.Fingerprints("st-dup"), packet.ToArray());
            await StationFeed.PublishAsync(client, Topics.Fingerprints("st-dup"), packet.ToArray());
        }

        foreach (var packet in packets.Take(packets.Count / 2))
        {
            await StationFeed.PublishAsync(client, Topics.Fingerprints("st-dup"), packet.ToArray());
        }

        // The play closes during the first pass; the duplicate counter then shows every replay was seen and dropped.
        await WaitForPlaysAsync("st-dup", p => p.Any(x => x.GetProperty("status").GetString() == "closed"));
        await WaitAsync(async () =>
        {
            var s = (await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative)))
                .EnumerateArray().Single(s => s.GetProperty("station").GetString() == "st-dup");
            return s.GetProperty("duplicates").GetInt64() == packets.Count + (packets.Count / 2);
        });
        var play = Assert.Single(await GetPlaysAsync("st-dup"));
        Assert.Equal(ServeFixture.TrackId(2), play.GetProperty("track").GetString());
        var station = (await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative)))
            .EnumerateArray().Single(s => s.GetProperty("station").GetString() == "st-dup");
        Assert.Equal(packets.Count, station.GetProperty("packets").GetInt64());
    }

    [Fact]
    public async Task Garbage_and_foreign_packets_are_rejected_and_later_good_packets_still_work()
    {
        using var client = await StationFeed.ConnectAsync(fixture, "st-garbage", fixture.Keys["st-garbage"]);
        var topic = Topics.Fingerprints("st-garbage");
        var random = new Random(7);
        var junk = new byte[300];
        random.NextBytes(junk);
        await StationFeed.PublishAsync(client, topic, junk);
        await StationFeed.PublishAsync(client, topic, [(byte)'Z', (byte)'F', 1, 0]);
        // A well-formed packet claiming another station, on this station's topic.
        var foreign = StationFeed.Packets("st-acl-b", fixture.Song(3))[0];
        await StationFeed.PublishAsync(client, topic, foreign.ToArray());
        // Oversized payload.
        await StationFeed.PublishAsync(client, topic, new byte[FingerprintPacket.MaxPacketSize + 1]);

        var audio = StationFeed.Concat(fixture.Song(3), SyntheticSong.Silence(40));
        foreach (var packet in StationFeed.Packets("st-garbage", audio))
        {
            await StationFeed.PublishAsync(client, topic, packet.ToArray());
        }

        var plays = await WaitForPlaysAsync("st-garbage", p => p.Any(x => x.GetProperty("status").GetString() == "closed"));
        Assert.Equal(ServeFixture.TrackId(3), Assert.Single(plays).GetProperty("track").GetString());
        var stations = await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative));
        var station = stations.EnumerateArray().Single(s => s.GetProperty("station").GetString() == "st-garbage");
        Assert.Equal(4, station.GetProperty("rejected").GetInt64());
    }

    [Fact]
    public async Task Packets_from_an_unregistered_station_are_rejected_whatever_delivered_them()
    {
        // As an external broker with a lax ACL would deliver them: straight into the ingest queue.
        var queue = fixture.Services.GetRequiredService<IngestQueue>();
        var activity = fixture.Services.GetRequiredService<StationActivity>();
        foreach (var packet in StationFeed.Packets("st-stranger", fixture.Song(2)).Take(5))
        {
            await queue.EnqueueAsync(new InboundPacket("st-stranger", "st-stranger", packet.ToArray()), CancellationToken.None);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (activity.State("st-stranger").Rejected < 5)
        {
            await Task.Delay(50, timeout.Token);
        }

        Assert.Equal(0, activity.State("st-stranger").Accepted);
        var plays = await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/plays?station=st-stranger", UriKind.Relative));
        Assert.Equal(0, plays.GetArrayLength());
    }

    [Fact]
    public async Task Wrong_password_is_refused()
    {
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await StationFeed.TryConnectAsync(fixture, "st-wrong", "not-the-key"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await StationFeed.TryConnectAsync(fixture, "no-such-station", fixture.Keys["st-wrong"]));
        Assert.Equal(MqttClientConnectResultCode.Success, await StationFeed.TryConnectAsync(fixture, "st-wrong", fixture.Keys["st-wrong"]));
    }

    [Fact]
    public async Task A_station_cannot_publish_to_another_stations_topic()
    {
        using var client = await StationFeed.ConnectAsync(fixture, "st-acl-a", fixture.Keys["st-acl-a"]);
        var packet = StationFeed.Packets("st-acl-b", fixture.Song(1))[0];
        var result = await StationFeed.PublishAsync(client, Topics.Fingerprints("st-acl-b"), packet.ToArray());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        var status = await StationFeed.PublishAsync(client, Topics.Status("st-acl-b"), [1, 2, 3]);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, status.ReasonCode);
        var own = await StationFeed.PublishAsync(client, Topics.Status("st-acl-a"), [1, 2, 3]);
        Assert.True(own.IsSuccess);
        Assert.Empty(await GetPlaysAsync("st-acl-b"));
    }

    [Fact]
    public async Task A_removed_station_is_disconnected_its_play_closed_and_its_packets_refused()
    {
        const string station = "st-revoked";
        var packets = StationFeed.Packets(station, fixture.Song(1));
        using var client = await StationFeed.ConnectAsync(fixture, station, fixture.Keys[station]);
        var disconnected = new TaskCompletionSource<MqttClientDisconnectReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += e =>
        {
            disconnected.TrySetResult(e.Reason);
            return Task.CompletedTask;
        };
        foreach (var packet in packets.Take(14))
        {
            Assert.True((await StationFeed.PublishAsync(client, Topics.Fingerprints(station), packet.ToArray())).IsSuccess);
        }

        var ongoing = Assert.Single(await WaitForPlaysAsync(station, p => p.Count == 1));
        Assert.Equal("ongoing", ongoing.GetProperty("status").GetString());

        // Removed from another process, as an operator would with the CLI while central runs.
        Assert.Equal(0, Zamio.Central.Cli.CommandLine.Run(["stations", "remove", station, "--data-dir", fixture.DataDirectory]));

        Assert.Equal(MqttClientDisconnectReason.NotAuthorized, await disconnected.Task.WaitAsync(Patience));
        var closed = Assert.Single(await WaitForPlaysAsync(station, p => p.Count == 1 && p[0].GetProperty("status").GetString() == "closed"));
        Assert.Equal(ongoing.GetProperty("id").GetString(), closed.GetProperty("id").GetString());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, await StationFeed.TryConnectAsync(fixture, station, fixture.Keys[station]));

        // What an external broker that has not caught up would still deliver is refused by central itself.
        var queue = fixture.Services.GetRequiredService<IngestQueue>();
        var activity = fixture.Services.GetRequiredService<StationActivity>();
        var rejected = activity.State(station).Rejected;
        foreach (var packet in packets.Skip(14))
        {
            await queue.EnqueueAsync(new InboundPacket(station, station, packet.ToArray()), CancellationToken.None);
        }

        await WaitAsync(() => Task.FromResult(activity.State(station).Rejected == rejected + packets.Count - 14));
        Assert.Equal(closed.GetRawText(), Assert.Single(await GetPlaysAsync(station)).GetRawText());
        Assert.Matches("zamio_ingest_sessions_total\\{reason=\"revoked\"\\} [1-9]", await fixture.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
    }

    [Fact]
    public async Task The_agents_status_shows_in_the_stations_list_and_a_foreign_one_is_refused()
    {
        const string station = "st-status";
        using var client = await StationFeed.ConnectAsync(fixture, station, fixture.Keys[station]);
        var status = new StationStatus(true, station, DateTimeOffset.UtcNow, "9.9.9", 1, "alsa:hw:1", -42.5, true, 3, "overrun", 17, 2, 1.5, null);
        var rejected = fixture.Services.GetRequiredService<StationActivity>().State(station).Rejected;

        Assert.True((await StationFeed.PublishAsync(client, Topics.Status(station), status.ToUtf8())).IsSuccess);

        JsonElement listed = default;
        await WaitAsync(async () =>
        {
            listed = (await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/stations", UriKind.Relative)))
                .EnumerateArray().Single(s => s.GetProperty("station").GetString() == station);
            return listed.GetProperty("lastHeartbeat").ValueKind != JsonValueKind.Null;
        });
        Assert.Equal((true, true, 17L, 2L, -42.5, "9.9.9"), (
            listed.GetProperty("online").GetBoolean(), listed.GetProperty("deadAir").GetBoolean(), listed.GetProperty("spoolDepth").GetInt64(),
            listed.GetProperty("spoolDropped").GetInt64(), listed.GetProperty("audioLevelDbfs").GetDouble(), listed.GetProperty("agentVersion").GetString()));

        // A status naming another station, on this station's own topic, is not taken.
        await StationFeed.PublishAsync(client, Topics.Status(station), (status with { StationId = "st-play", SpoolDepth = 99 }).ToUtf8());
        await WaitAsync(() => Task.FromResult(fixture.Services.GetRequiredService<StationActivity>().State(station).Rejected == rejected + 1));
        Assert.Equal(17, fixture.Services.GetRequiredService<StationActivity>().State(station).Agent!.SpoolDepth);
    }

    [Fact]
    public async Task A_station_hears_of_its_rejected_packets_on_its_own_topic_and_cannot_follow_other_stations()
    {
        const string station = "st-reports";
        using var client = await StationFeed.ConnectAsync(fixture, station, fixture.Keys[station]);
        var report = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            report.TrySetResult(JsonDocument.Parse(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)).RootElement.Clone());
            return Task.CompletedTask;
        };
        var own = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.CentralStatus(station)).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, Assert.Single(own.Items).ResultCode);
        var others = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(Topics.AllFingerprints).Build());
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(others.Items).ResultCode);

        await StationFeed.PublishAsync(client, Topics.Fingerprints(station), [1, 2, 3]); // not a packet

        var received = await report.Task.WaitAsync(Patience);
        Assert.Equal((1L, "embedded"), (received.GetProperty("rejected").GetInt64(), received.GetProperty("instance").GetString()));
        var last = received.GetProperty("lastRejection");
        Assert.Equal(RejectReasons.Malformed, last.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrEmpty(last.GetProperty("detail").GetString()));
        Assert.Equal(last.GetProperty("at").GetDateTimeOffset(), fixture.Services.GetRequiredService<StationActivity>().State(station).LastRejection!.At);
    }

    [Fact]
    public async Task Identify_returns_the_track_for_a_clip_and_rejects_bad_input()
    {
        var song = fixture.Song(2);
        var clip = song[(12 * SyntheticSong.SampleRate)..(22 * SyntheticSong.SampleRate)];
        var path = Path.Combine(fixture.AudioDirectory, "..", "clip.wav");
        ServeFixture.WriteWav(path, clip);

        using (var form = new MultipartFormDataContent())
        {
            var file = new ByteArrayContent(await File.ReadAllBytesAsync(path));
            file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
            form.Add(file, "file", "clip.wav");
            using var response = await fixture.Http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), form);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(ServeFixture.TrackId(2), body.GetProperty("track").GetString());
            Assert.InRange(body.GetProperty("offset").GetDouble(), 11, 13);
        }

        using (var raw = new ByteArrayContent(await File.ReadAllBytesAsync(path)))
        {
            using var response = await fixture.Http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), raw);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(ServeFixture.TrackId(2), body.GetProperty("track").GetString());
        }

        using (var garbage = new ByteArrayContent(new byte[5000]))
        {
            using var response = await fixture.Http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), garbage);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains("unsupported audio format (the upload)", detail, StringComparison.Ordinal);
        }

        using (var form = new MultipartFormDataContent())
        {
            // The error names the client's file, not the server's temporary copy of it.
            form.Add(new ByteArrayContent(new byte[5000]), "file", "junk.wav");
            using var response = await fixture.Http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), form);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
            Assert.Contains("(junk.wav)", detail, StringComparison.Ordinal);
            Assert.DoesNotContain("zamio-", detail, StringComparison.Ordinal);
        }

        using (var huge = new ByteArrayContent(new byte[(5 * 1024 * 1024) + (100 * 1024)]))
        {
            using var response = await fixture.Http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), huge);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
    }

    [Fact]
    public async Task Identify_m4a_clip_with_its_index_at_the_end_is_decoded_through_ffmpeg()
    {
        var ffmpegOnPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, "ffmpeg")));
        if (!ffmpegOnPath && !Integration.TestServers.InCi)
        {
            return; // locally without ffmpeg there is nothing to decode M4A with; CI installs it
        }

        var song = fixture.Song(2);
        var wav = Path.Combine(fixture.AudioDirectory, "..", "clip-for-m4a.wav");
        var m4a = Path.ChangeExtension(wav, ".m4a");
        ServeFixture.WriteWav(wav, song[(12 * SyntheticSong.SampleRate)..(22 * SyntheticSong.SampleRate)]);
        using (var ffmpeg = System.Diagnostics.Process.Start("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", wav, "-c:a", "aac", "-b:a", "96k", m4a]))
        {
            await ffmpeg.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, ffmpeg.ExitCode);
        }

        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(m4a)), "file", "clip.m4a");
        using var response = await fixture.Http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ServeFixture.TrackId(2), (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("track").GetString());
    }

    private async Task<List<JsonElement>> GetPlaysAsync(string station) =>
        [.. (await fixture.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/plays?station={station}", UriKind.Relative))).EnumerateArray()];

    private async Task<List<JsonElement>> WaitForPlaysAsync(string station, Func<List<JsonElement>, bool> done)
    {
        List<JsonElement> plays = [];
        try
        {
            await WaitAsync(async () =>
            {
                plays = await GetPlaysAsync(station);
                return done(plays);
            });
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Timed out waiting for plays of {station}; last seen: {JsonSerializer.Serialize(plays)}");
        }

        return plays;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!await condition())
        {
            // Poll: the ingest loop is asynchronous to the publish acknowledgement.
            await Task.Delay(100, timeout.Token);
        }
    }
}
