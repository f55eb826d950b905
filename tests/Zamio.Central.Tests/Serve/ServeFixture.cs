using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NAudio.Wave;
using Zamio.Central.Cli;
using Zamio.Central.Hosting;
using Zamio.Central.Stations;

namespace Zamio.Central.Tests.Serve;

/// <summary>
/// One in-process <c>serve</c> host on free ports with a temp data directory, a three-track synthetic catalogue and
/// a few stations. Tests use distinct stations so they never share a stream.
/// </summary>
public sealed class ServeFixture : IAsyncLifetime
{
    public const double SongSeconds = 40;
    public static readonly string[] StationNames = ["st-play", "st-dup", "st-garbage", "st-acl-a", "st-acl-b", "st-wrong", "st-revoked", "st-status", "st-reports"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "zamio-serve-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public string DataDirectory => Path.Combine(_root, "data");

    public string AudioDirectory => Path.Combine(_root, "audio");

    public int MqttPort { get; private set; }

    public Uri BaseAddress { get; private set; } = null!;

    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);

    public HttpClient Http { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public static string TrackId(int seed) => $"song{seed}";

    public float[] Song(int seed) => SyntheticSong.Generate(seed, SongSeconds);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(AudioDirectory);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            WriteWav(Path.Combine(AudioDirectory, TrackId(seed) + ".wav"), Song(seed));
        }

        Assert.Equal(0, CommandLine.Run(["catalog", "add", AudioDirectory, "--data-dir", DataDirectory]));
        var stations = new StationStore(CentralDatabase.Open(DataDirectory), TimeProvider.System);
        foreach (var name in StationNames)
        {
            Keys[name] = stations.Add(name);
        }

        MqttPort = FreePort();
        _app = ServeHost.Build(
            ["serve", "--data-dir", DataDirectory, "--urls", "http://127.0.0.1:0", "--mqtt-port", MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string?>
            {
                [$"{ServeOptions.Section}:{nameof(ServeOptions.StationCheckSeconds)}"] = "1",
                [$"{ServeOptions.Section}:{nameof(ServeOptions.StatusIntervalSeconds)}"] = "1",
            });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static void WriteWav(string path, float[] samples)
    {
        using var writer = new WaveFileWriter(path, new WaveFormat(SyntheticSong.SampleRate, 16, 1));
        writer.WriteSamples(samples, 0, samples.Length);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ServeCollection : ICollectionFixture<ServeFixture>
{
    public const string Name = "Serve";
}
