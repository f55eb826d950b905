namespace Zamio.Shared.Fingerprinting;

/// <summary>
/// Samples at <see cref="FingerprintSettings.SampleRate"/> in, peaks out. Streaming: feed any block size,
/// call <see cref="Flush"/> at the end of a finite input.
/// </summary>
public sealed class PeakExtractor
{
    private readonly FrameAnalyzer _analyzer = new();
    private readonly PeakPicker _picker = new();
    private readonly float[] _frame = new float[FrameAnalyzer.BinCount];

    /// <summary>Frames analysed so far; peaks carry frame numbers on this clock.</summary>
    public long Frames => _analyzer.FramesProduced;

    public void Write(ReadOnlySpan<float> samples, List<Peak> output)
    {
        while (!samples.IsEmpty)
        {
            var used = _analyzer.Consume(samples, _frame, out var ready);
            samples = samples[used..];
            if (ready)
            {
                _picker.Push(_frame, output);
            }
        }
    }

    public void Flush(List<Peak> output) => _picker.Flush(output);

    /// <summary>Whole-signal convenience for offline use.</summary>
    public static Peak[] Extract(ReadOnlySpan<float> samples)
    {
        var extractor = new PeakExtractor();
        var peaks = new List<Peak>(samples.Length / FingerprintSettings.SampleRate * 40 + 16);
        extractor.Write(samples, peaks);
        extractor.Flush(peaks);
        return [.. peaks];
    }
}
