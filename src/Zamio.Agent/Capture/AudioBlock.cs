namespace Zamio.Agent.Capture;

/// <summary>
/// Samples handed from capture to fingerprinting. <see cref="StartSample"/> is the position on the stream's audio
/// clock (samples since <see cref="EpochStart"/>); a jump from the previous block's end marks lost audio.
/// <see cref="Samples"/> is rented from the shared array pool; the consumer returns it.
/// </summary>
public readonly record struct AudioBlock(DateTimeOffset EpochStart, long StartSample, float[] Samples, int Count);
