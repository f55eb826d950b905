using NVorbis;

namespace Zamio.Shared.Audio;

/// <summary>Ogg Vorbis through NVorbis.</summary>
internal sealed class VorbisDecoder : IInterleavedSource
{
    private readonly Stream stream;
    private readonly VorbisReader reader;

    public VorbisDecoder(Stream stream)
    {
        this.stream = stream;
        reader = new VorbisReader(stream, closeOnDispose: true);
    }

    public int SampleRate => reader.SampleRate;

    public int Channels => reader.Channels;

    public string FormatName => "Ogg Vorbis";

    public int Read(Span<float> buffer)
    {
        // NVorbis reads whole sample frames only.
        int count = buffer.Length - (buffer.Length % Channels);
        return reader.ReadSamples(buffer[..count]);
    }

    public void Dispose()
    {
        reader.Dispose();
        stream.Dispose();
    }
}
