using System.Threading.Channels;

namespace Zamio.Agent.Capture;

/// <summary>
/// Bounded hand-off between the capture loop and the fingerprint loop, so a slow moment in fingerprinting or disk
/// never stalls a sound card read. About 12 s of audio at 0.1 s blocks.
/// </summary>
public sealed class AudioChannel
{
    public const int Capacity = 128;

    public Channel<AudioBlock> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<AudioBlock>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
}
