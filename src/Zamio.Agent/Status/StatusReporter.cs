using System.Reflection;
using Microsoft.Extensions.Options;
using Zamio.Agent.Configuration;
using Zamio.Agent.Sources;
using Zamio.Agent.Spool;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Status;

/// <summary>Builds status payloads from the live figures.</summary>
public sealed class StatusReporter(
    AgentState state,
    CentralRejections rejections,
    PacketSpool spool,
    IAudioSource source,
    IOptions<AgentOptions> options,
    TimeProvider time)
{
    public static string AgentVersion { get; } =
        typeof(StatusReporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public byte[] Online() => Serialize(Build(online: true));

    /// <summary>The last will: published by the broker when the agent vanishes.</summary>
    public byte[] Offline() => Serialize(Build(online: false) with { AudioLevelDbfs = null });

    public StationStatus Build(bool online) => new(
        online,
        options.Value.StationId,
        time.GetUtcNow(),
        AgentVersion,
        FingerprintSettings.AlgorithmVersion,
        source.Description,
        Math.Round(state.AudioLevelDbfs, 1),
        state.DeadAir,
        state.CaptureErrors,
        state.LastCaptureError,
        spool.Depth,
        spool.Dropped,
        state.DroppedAudioSamples / (double)FingerprintSettings.SampleRate,
        state.StreamTitle)
    {
        CentralRejected = rejections.Refused,
        CentralLastRejection = rejections.LastRejection,
    };

    private static byte[] Serialize(StationStatus status) => status.ToUtf8();
}
