namespace Zamio.Shared.Indexing;

public sealed partial class FingerprintIndex
{
    /// <summary>
    /// A new index without the tracks at <paramref name="retired"/> (slot → placeholder id), made in time proportional
    /// to the track count: directory and postings are shared with this index. A retired slot keeps its span on the
    /// timeline but no peaks, so votes for its postings can never verify; the postings stay as dead weight until the
    /// next full build (<see cref="RetiredFrames"/> says how much).
    /// </summary>
    public FingerprintIndex Retire(IReadOnlyDictionary<int, string> retired)
    {
        ArgumentNullException.ThrowIfNull(retired);
        var main = _tracks[.._mainCount];
        var recentRetired = new Dictionary<int, string>();
        foreach (var (slot, id) in retired)
        {
            if (slot >= _mainCount)
            {
                recentRetired[slot - _mainCount] = id;
                continue;
            }

            var track = main[slot];
            main[slot] = new IndexedTrack(id, track.Start, TrackPeaks.FromPacked([], track.Peaks.FrameCount));
        }

        var recent = _recent is not null && recentRetired.Count > 0 ? _recent.Retire(recentRetired) : _recent;
        return new FingerprintIndex(_directory, _postings, main, recent);
    }

    /// <summary>Timeline frames held by retired tracks (slots with a span but no peaks).</summary>
    public long RetiredFrames => _tracks.Where(t => t.Peaks.Count == 0).Sum(t => (long)t.Peaks.FrameCount);

    /// <summary>Timeline frames of all tracks, retired included.</summary>
    public long TimelineFrames => _tracks.Sum(t => (long)t.Peaks.FrameCount);
}
