using Zamio.Shared.Audio;

namespace Zamio.Shared.Tests.Audio;

/// <summary>An endless sine that allocates nothing per read, for steady-state tests.</summary>
internal sealed class ToneSource(int sampleRate, double frequency, double amplitude) : ISampleSource
{
    private long position;

    public int SampleRate => sampleRate;

    public int Read(Span<float> buffer)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * position++ / sampleRate));
        }

        return buffer.Length;
    }

    public void Dispose()
    {
    }
}

/// <summary>Plays back fixed samples, at most <paramref name="maxPerRead"/> at a time.</summary>
internal sealed class ArraySource(int sampleRate, float[] samples, int maxPerRead = int.MaxValue) : ISampleSource
{
    private int position;

    public int SampleRate => sampleRate;

    public int Read(Span<float> buffer)
    {
        int count = Math.Min(Math.Min(buffer.Length, maxPerRead), samples.Length - position);
        samples.AsSpan(position, count).CopyTo(buffer);
        position += count;
        return count;
    }

    public void Dispose()
    {
    }
}

/// <summary>Interleaved playback that may split frames across reads, as decoders are allowed to.</summary>
internal sealed class InterleavedArraySource(int channels, float[] samples, int maxPerRead) : IInterleavedSource
{
    private int position;

    public int SampleRate => 8000;

    public int Channels => channels;

    public string FormatName => "test";

    public int Read(Span<float> buffer)
    {
        int count = Math.Min(Math.Min(buffer.Length, maxPerRead), samples.Length - position);
        samples.AsSpan(position, count).CopyTo(buffer);
        position += count;
        return count;
    }

    public void Dispose()
    {
    }
}
