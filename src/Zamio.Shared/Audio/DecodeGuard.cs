namespace Zamio.Shared.Audio;

/// <summary>
/// Last stage of every chain: turns decoder library exceptions into <see cref="AudioFormatException"/> and
/// rejects inputs that end without a single sample.
/// </summary>
internal sealed class DecodeGuard : ISampleSource
{
    private readonly ISampleSource source;
    private readonly string formatName;
    private long produced;

    public DecodeGuard(ISampleSource source, string formatName)
    {
        this.source = source;
        this.formatName = formatName;
    }

    public int SampleRate => source.SampleRate;

    public int Read(Span<float> buffer)
    {
        int read;
        try
        {
            read = source.Read(buffer);
        }
        catch (Exception ex) when (ex is not AudioFormatException and not ObjectDisposedException)
        {
            throw new AudioFormatException($"corrupt or truncated {formatName}: {ex.Message}", ex);
        }

        if (read == 0 && produced == 0 && !buffer.IsEmpty)
        {
            throw new AudioFormatException($"no decodable audio in {formatName} input");
        }

        produced += read;
        return read;
    }

    public void Dispose() => source.Dispose();
}
