using NLayer;

namespace Zamio.Shared.Audio;

/// <summary>MPEG audio layers I-III through NLayer.</summary>
internal sealed class Mp3Decoder : IInterleavedSource
{
    private readonly Stream stream;
    private readonly MpegFile file;

    public Mp3Decoder(Stream stream)
    {
        this.stream = stream;
        file = new MpegFile(stream);
        if (file.SampleRate <= 0 || file.Channels <= 0)
        {
            file.Dispose();
            throw new AudioFormatException("corrupt MP3: no valid MPEG audio frame found");
        }
    }

    public int SampleRate => file.SampleRate;

    public int Channels => file.Channels;

    public string FormatName => "MP3";

    public int Read(Span<float> buffer) => file.ReadSamples(buffer);

    public void Dispose()
    {
        file.Dispose();
        stream.Dispose(); // the library does not own a stream it was handed
    }
}
