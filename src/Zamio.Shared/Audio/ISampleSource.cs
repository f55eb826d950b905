namespace Zamio.Shared.Audio;

/// <summary>
/// A pull source of mono float samples in [-1, 1] at a fixed rate. Read returns 0 only at the end.
/// </summary>
public interface ISampleSource : IDisposable
{
    int SampleRate { get; }

    int Read(Span<float> buffer);
}
