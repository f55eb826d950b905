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

    /// <summary>Writes a station's packets as its archive day file (of the first packet's day) under <paramref name="root"/>, as serve archives them.</summary>
    public static void WriteArchiveDay(string root, IReadOnlyList<FingerprintPacket> packets)
    {
        var path = Central.Archive.ArchiveFiles.DayFile(root, packets[0].StationId, Central.Archive.ArchiveFiles.DayOf(packets[0].CaptureStart));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        foreach (var packet in packets)
        {
            Central.Archive.ArchiveFiles.WriteRecord(file, packet.ToArray());
        }
    }

    /// <summary>
    /// The packets of one agent stream: <paramref name="captureStart"/> (default <see cref="CaptureStart"/>) is when its
    /// frame <paramref name="startFrame"/> was captured.
    /// </summary>
    public static List<FingerprintPacket> Packets(string station, float[] audio, long startFrame = 1000, ulong firstSequence = 1, DateTimeOffset? captureStart = null)
    {
        var capturedFrom = captureStart ?? CaptureStart;
        var (peaks, support) = PeakExtractor.ExtractWithSupport(audio);
        var totalFrames = audio.Length / FingerprintSettings.HopSize;
        var packets = new List<FingerprintPacket>();
        int next = 0, nextSupport = 0;
        for (var frame = 0; frame < totalFrames; frame += FramesPerPacket)
        {
            var count = Math.Min(FramesPerPacket, totalFrames - frame);
            packets.Add(new FingerprintPacket(
                station,
                firstSequence + (ulong)packets.Count,
                FingerprintPacket.ToUnixMicros(capturedFrom.AddMilliseconds(frame * 32.0)),
                startFrame + frame,
                count,
                Take(peaks, ref next, frame + count, startFrame),
                support: Take(support, ref nextSupport, frame + count, startFrame)));
        }

        return packets;
    }

    /// <summary>
    /// The same packet as an agent older than support peaks sent it: format 1, the landmarks alone. Its format 2
    /// encoding without support peaks ends with an empty support section (one byte, a group count of 0) before the CRC.
    /// </summary>
    public static byte[] AsFormat1(FingerprintPacket packet)
    {
        var landmarksOnly = new FingerprintPacket(packet.StationId, packet.Sequence, packet.CaptureStartUnixMicros, packet.StartFrame, packet.FrameCount, packet.Peaks.AsSpan(), packet.Flags).ToArray();
        var body = landmarksOnly[..^5];
        body[2] = 1;
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(body));
        return [.. body, .. crc];
    }

    // The peaks before frame `end` from `next` on, moved to the stream's absolute frames.
    private static Peak[] Take(Peak[] peaks, ref int next, long end, long startFrame)
    {
        var from = next;
        while (next < peaks.Length && peaks[next].Frame < end)
        {
            next++;
        }

        return [.. peaks[from..next].Select(p => new Peak((int)(p.Frame + startFrame), p.Bin16))];
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
