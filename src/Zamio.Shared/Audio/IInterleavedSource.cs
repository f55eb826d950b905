namespace Zamio.Shared.Audio;

/// <summary>
/// A decoder's native output: interleaved float samples at the file's own rate and channel count.
/// Read may return a partial frame; it returns 0 only at the end.
/// </summary>
internal interface IInterleavedSource : IDisposable
{
    int SampleRate { get; }

    int Channels { get; }

    string FormatName { get; }

    int Read(Span<float> buffer);
}
