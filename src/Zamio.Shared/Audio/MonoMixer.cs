namespace Zamio.Shared.Audio;

/// <summary>Averages interleaved channels into mono and clamps to [-1, 1].</summary>
internal sealed class MonoMixer : ISampleSource
{
    private const int ChunkFrames = 4096;

    private readonly IInterleavedSource source;
    private readonly int channels;
    private readonly float[] interleaved;
    private int carried; // samples of an incomplete frame kept for the next read

    public MonoMixer(IInterleavedSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Channels <= 0)
        {
            throw new AudioFormatException($"corrupt {source.FormatName}: {source.Channels} channels");
        }

        this.source = source;
        channels = source.Channels;
        interleaved = new float[ChunkFrames * channels];
    }

    public int SampleRate => source.SampleRate;

    public int Read(Span<float> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        int maxFrames = Math.Min(buffer.Length, ChunkFrames);
        while (true)
        {
            int read = source.Read(interleaved.AsSpan(carried, (maxFrames * channels) - carried));
            if (read == 0)
            {
                return 0; // a trailing partial frame is dropped
            }

            int available = carried + read;
            int frames = available / channels;
            if (frames == 0)
            {
                carried = available;
                continue;
            }

            Mix(interleaved.AsSpan(0, frames * channels), buffer[..frames]);
            carried = available - (frames * channels);
            interleaved.AsSpan(frames * channels, carried).CopyTo(interleaved);
            return frames;
        }
    }

    public void Dispose() => source.Dispose();

    private void Mix(ReadOnlySpan<float> input, Span<float> output)
    {
        float scale = 1f / channels;
        for (int frame = 0, i = 0; frame < output.Length; frame++)
        {
            float sum = 0;
            for (int channel = 0; channel < channels; channel++)
            {
                sum += input[i++];
            }

            output[frame] = Math.Clamp(sum * scale, -1f, 1f);
        }
    }
}
