using NAudio.Wave;

namespace Zamio.Shared.Audio;

/// <summary>PCM (8/16/24/32-bit) and IEEE float WAV through NAudio.</summary>
internal sealed class WavDecoder : IInterleavedSource
{
    private readonly Stream stream;
    private readonly WaveFileReader reader;
    private readonly ISampleProvider samples;

    public WavDecoder(Stream stream)
    {
        this.stream = stream;
        reader = new WaveFileReader(stream);
        try
        {
            samples = reader.ToSampleProvider();
        }
        catch (ArgumentException ex)
        {
            reader.Dispose();
            throw new AudioFormatException($"unsupported WAV sample format: {reader.WaveFormat}", ex);
        }
    }

    public int SampleRate => reader.WaveFormat.SampleRate;

    public int Channels => reader.WaveFormat.Channels;

    public string FormatName => "WAV";

    public int Read(Span<float> buffer)
    {
        // NAudio reads whole sample frames only.
        int count = buffer.Length - (buffer.Length % Channels);
        return samples.Read(buffer[..count]);
    }

    public void Dispose()
    {
        reader.Dispose();
        stream.Dispose(); // the library does not own a stream it was handed
    }
}
