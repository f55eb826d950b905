using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Cli;
using Zamio.Central.Hosting;
using Zamio.Central.Stations;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Api;

/// <summary>
/// An in-process <c>serve</c> host for the HTTP API tests: three synthetic tracks, an admin key, a tight upload
/// rate limit (<see cref="UploadBurst"/> at once, then one a minute) and one station per test so tests never share
/// a stream, a rate-limit bucket or plays. The embedded broker is off: everything here goes over HTTP.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const int UploadBurst = 3;
    public const double SongSeconds = 40;
    public const string Song1Isrc = "ZZ0000000001";

    public static readonly string[] StationNames =
        ["up-match", "up-dup", "up-auth-a", "up-auth-b", "up-rate", "up-big", "pk-http", "pk-http-v1", "pk-bad", "pk-refused", "mx-traffic", "lv-revoked"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "zamio-api-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public string DataDirectory => Path.Combine(_root, "data");

    public string AudioDirectory => Path.Combine(_root, "audio");

    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    public HttpClient Http { get; private set; } = null!;

    /// <summary>A client that sends the admin key, which reads plays, reports and the stations list.</summary>
    public HttpClient Reader { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public static string TrackId(int seed) => $"song{seed}";

    public static float[] Song(int seed) => SyntheticSong.Generate(seed, SongSeconds);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(AudioDirectory);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            ServeFixture.WriteWav(Path.Combine(AudioDirectory, TrackId(seed) + ".wav"), Song(seed));
        }

        File.WriteAllLines(Path.Combine(AudioDirectory, "catalog.csv"), ["id,title,artist,isrc", $"{TrackId(1)},\"One, the song\",Synth Band,{Song1Isrc}"]);
        Assert.Equal(0, CommandLine.Run(["catalog", "add", AudioDirectory, "--data-dir", DataDirectory]));
        var stations = new StationStore(CentralDatabase.Open(DataDirectory), TimeProvider.System);
        foreach (var name in StationNames)
        {
            Keys[name] = stations.Add(name);
        }

        _app = ServeHost.Build(
            ["serve", "--data-dir", DataDirectory, "--urls", "http://127.0.0.1:0", "--mqtt-port", "0", "--admin-key", AdminKey],
            new Dictionary<string, string?>
            {
                ["Central:UploadBurst"] = UploadBurst.ToString(CultureInfo.InvariantCulture),
                ["Central:UploadsPerMinute"] = "1",
                ["Central:LiveHeartbeatSeconds"] = "1",
            });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        Reader = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
        Reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public Task<HttpResponseMessage> PostPacketAsync(string station, string? key, byte[] payload)
    {
        var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendAsync(HttpMethod.Post, $"/api/v1/stations/{station}/packets", content, key is null ? null : new AuthenticationHeaderValue("Token", key));
    }

    public Task<HttpResponseMessage> SendAdminAsync(HttpMethod method, string path, HttpContent? content, string key) =>
        SendAsync(method, path, content, new AuthenticationHeaderValue("Bearer", key));

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, AuthenticationHeaderValue? auth)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = content };
        request.Headers.Authorization = auth;
        return await Http.SendAsync(request);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        Reader?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A WAV clip of <paramref name="seed"/>'s song from <paramref name="from"/> to <paramref name="to"/> seconds.</summary>
    public byte[] Clip(int seed, double from, double to)
    {
        var song = Song(seed);
        var path = Path.Combine(_root, $"clip-{Guid.NewGuid():N}.wav");
        ServeFixture.WriteWav(path, song[(int)(from * SyntheticSong.SampleRate)..(int)(to * SyntheticSong.SampleRate)]);
        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    /// <summary>The admin API's track upload: the whole synthetic song <paramref name="seed"/> as <c>song{seed}</c>.</summary>
    /// <summary>A track upload; fields given as null are left out of the form.</summary>
    public MultipartFormDataContent TrackForm(int seed, string? title, string? isrc, string? artist = "Synth Band")
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Clip(seed, 0, SongSeconds));
        file.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(file, "file", $"upload-{seed}.wav");
        form.Add(new StringContent(TrackId(seed)), "id");
        foreach (var (name, value) in new[] { ("title", title), ("artist", artist), ("isrc", isrc) })
        {
            if (value is not null)
            {
                form.Add(new StringContent(value), name);
            }
        }

        return form;
    }

    /// <summary>The mobile app's multipart upload.</summary>
    public static MultipartFormDataContent UploadForm(string station, Guid chunk, DateTimeOffset startedAt, byte[] file, string fileName = "chunk.wav", double? duration = 10)
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("audio/wav");
        form.Add(part, "file", fileName);
        form.Add(new StringContent(station), "station_id");
        form.Add(new StringContent(chunk.ToString()), "chunk_id");
        form.Add(new StringContent(startedAt.ToString("O", CultureInfo.InvariantCulture)), "started_at");
        if (duration is { } d)
        {
            form.Add(new StringContent(d.ToString(CultureInfo.InvariantCulture)), "duration_seconds");
        }

        form.Add(new StringContent("""{"device":"test","app_version":"1.0"}"""), "metadata");
        return form;
    }

    public async Task<HttpResponseMessage> UploadAsync(string? key, HttpContent form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/music-monitor/stream/upload/", UriKind.Relative)) { Content = form };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Token", key);
        }

        return await Http.SendAsync(request);
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "Api";
}
