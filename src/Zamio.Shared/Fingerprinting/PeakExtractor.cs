namespace Zamio.Shared.Fingerprinting;

/// <summary>
/// Samples at <see cref="FingerprintSettings.SampleRate"/> in, peaks out: landmarks, and on request the support peaks
/// of the same frames (<see cref="PeakPicker.ForSupport"/>). Streaming: feed any block size, call <see cref="Flush"/>
/// at the end of a finite input.
/// </summary>
public sealed class PeakExtractor(bool withSupport = false)
{
    private readonly FrameAnalyzer _analyzer = new();
    private readonly PeakPicker _picker = new();
    private readonly PeakPicker? _supportPicker = withSupport ? PeakPicker.ForSupport() : null;
    private readonly float[] _frame = new float[FrameAnalyzer.BinCount];

    /// <summary>Frames analysed so far; peaks carry frame numbers on this clock.</summary>
    public long Frames => _analyzer.FramesProduced;

    /// <summary>Appends the landmarks that became final to <paramref name="output"/>, support peaks to <paramref name="support"/>.</summary>
    public void Write(ReadOnlySpan<float> samples, List<Peak> output, List<Peak>? support = null)
    {
        while (!samples.IsEmpty)
        {
            var used = _analyzer.Consume(samples, _frame, out var ready);
            samples = samples[used..];
            if (ready)
            {
                _picker.Push(_frame, output);
                _supportPicker?.Push(_frame, SupportOutput(support));
            }
        }
    }

    public void Flush(List<Peak> output, List<Peak>? support = null)
    {
        _picker.Flush(output);
        _supportPicker?.Flush(SupportOutput(support));
    }

    private static List<Peak> SupportOutput(List<Peak>? support) =>
        support ?? throw new ArgumentNullException(nameof(support), "this extractor was created with support peaks: pass a list for them");

    /// <summary>Whole-signal convenience for offline use.</summary>
    public static Peak[] Extract(ReadOnlySpan<float> samples)
    {
        var extractor = new PeakExtractor();
        var peaks = new List<Peak>(samples.Length / FingerprintSettings.SampleRate * 40 + 16);
        extractor.Write(samples, peaks);
        extractor.Flush(peaks);
        return [.. peaks];
    }

    /// <summary>Landmarks and support peaks of a whole signal.</summary>
    public static (Peak[] Landmarks, Peak[] Support) ExtractWithSupport(ReadOnlySpan<float> samples)
    {
        var extractor = new PeakExtractor(withSupport: true);
        List<Peak> peaks = [], support = [];
        extractor.Write(samples, peaks, support);
        extractor.Flush(peaks, support);
        return ([.. peaks], [.. support]);
    }
}
