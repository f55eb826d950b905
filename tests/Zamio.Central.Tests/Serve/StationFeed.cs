using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Serve;

/// <summary>Builds a station's packets from audio the way an agent does: absolute frames, 2-second packets.</summary>
internal static class StationFeed
{
    public static readonly int FramesPerPacket = FingerprintSettings.SecondsToFrame(2);

    public static readonly DateTimeOffset CaptureStart = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The packets of one agent stream: <paramref name="captureStart"/> (default <see cref="CaptureStart"/>) is when its
    /// frame <paramref name="startFrame"/> was captured.
    /// </summary>
    public static List<FingerprintPacket> Packets(string station, float[] audio, long startFrame = 1000, ulong firstSequence = 1, DateTimeOffset? captureStart = null)
    {
        var capturedFrom = captureStart ?? CaptureStart;
        var peaks = PeakExtractor.Extract(audio);
        var totalFrames = audio.Length / FingerprintSettings.HopSize;
        var packets = new List<FingerprintPacket>();
        var next = 0;
        for (var frame = 0; frame < totalFrames; frame += FramesPerPacket)
        {
            var count = Math.Min(FramesPerPacket, totalFrames - frame);
            var from = next;
            while (next < peaks.Length && peaks[next].Frame < frame + count)
            {
                next++;
            }

            var slice = peaks[from..next].Select(p => new Peak((int)(p.Frame + startFrame), p.Bin16)).ToArray();
            packets.Add(new FingerprintPacket(
                station,
                firstSequence + (ulong)packets.Count,
                FingerprintPacket.ToUnixMicros(capturedFrom.AddMilliseconds(frame * 32.0)),
                startFrame + frame,
                count,
                slice));
        }

        return packets;
    }

    public static float[] Concat(params float[][] parts) => [.. parts.SelectMany(p => p)];

    public static Task<IMqttClient> ConnectAsync(ServeFixture fixture, string user, string password) =>
        ConnectAsync(fixture.MqttPort, user, password);

    public static async Task<IMqttClient> ConnectAsync(int port, string user, string password, string? clientId = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(port, user, password, clientId));
        return client;
    }

    /// <summary>Connects and disconnects; returns the broker's CONNACK reason.</summary>
    public static Task<MqttClientConnectResultCode> TryConnectAsync(ServeFixture fixture, string user, string password) =>
        TryConnectAsync(fixture.MqttPort, user, password);

    /// <summary>Connects and disconnects; returns the broker's CONNACK reason.</summary>
    public static async Task<MqttClientConnectResultCode> TryConnectAsync(int port, string user, string password, string? clientId = null)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(Options(port, user, password, clientId));
            if (client.IsConnected)
            {
                await client.DisconnectAsync();
            }

            return result.ResultCode;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException ex)
        {
            // The exception carries the CONNACK's reason only in its message.
            return Enum.GetValues<MqttClientConnectResultCode>()
                .Where(code => ex.Message.Contains(code.ToString(), StringComparison.Ordinal))
                .OrderByDescending(code => code.ToString().Length)
                .Cast<MqttClientConnectResultCode?>()
                .FirstOrDefault() ?? throw new InvalidOperationException($"the broker closed the connection without a reason: {ex.Message}", ex);
        }
    }

    private static MqttClientOptions Options(int port, string user, string password, string? clientId) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? $"{user}-{Guid.NewGuid():N}")
            .WithCredentials(user, password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();

    public static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
}
