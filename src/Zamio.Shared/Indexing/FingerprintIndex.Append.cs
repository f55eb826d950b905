using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Indexing;

public sealed partial class FingerprintIndex
{
    /// <summary>
    /// A new index with <paramref name="added"/> placed after the existing tracks. Their positions follow on, so every
    /// existing posting keeps its value and each key's list only grows at its end: the old postings are copied in a
    /// few long runs and the new ones scattered behind them, instead of hashing the whole catalogue again.
    /// The result equals building all tracks in this order.
    /// </summary>
    public FingerprintIndex Append(IReadOnlyList<(string Id, TrackPeaks Peaks)> added)
    {
        ArgumentNullException.ThrowIfNull(added);
        if (_recent is not null)
        {
            return MainLayer.Append([.. RecentTracks, .. added]);
        }

        var next = _tracks.Length == 0 ? 0UL : (ulong)_tracks[^1].End + TrackGap;
        var placed = IndexBuilder.Place(added, next);
        var perTrack = IndexBuilder.HashTracks(placed);

        var keyCount = _directory.Length - 1;
        var extra = new int[keyCount];
        foreach (var pairs in perTrack)
        {
            foreach (var pair in pairs)
            {
                extra[pair.Key]++;
            }
        }

        // Keys that grow, in order; between two of them the old postings are one contiguous run.
        var growing = new List<int>();
        var directory = new int[keyCount + 1];
        for (var k = 0; k < keyCount; k++)
        {
            directory[k + 1] = directory[k] + (_directory[k + 1] - _directory[k]) + extra[k];
            if (extra[k] > 0)
            {
                growing.Add(k);
            }
        }

        var postings = new uint[directory[keyCount]];
        var cursor = new Dictionary<int, int>(growing.Count);
        var copiedTo = 0;
        foreach (var k in growing)
        {
            // Old postings up to the end of key k's list move by the extras of the keys before it; its new ones follow.
            var runEnd = _directory[k + 1];
            _postings.AsSpan(copiedTo, runEnd - copiedTo).CopyTo(postings.AsSpan(directory[k + 1] - extra[k] - (runEnd - copiedTo)));
            cursor[k] = directory[k + 1] - extra[k];
            copiedTo = runEnd;
        }

        _postings.AsSpan(copiedTo).CopyTo(postings.AsSpan(postings.Length - (_postings.Length - copiedTo)));
        for (var i = 0; i < placed.Length; i++)
        {
            var start = placed[i].Start;
            foreach (var pair in perTrack[i])
            {
                postings[cursor[pair.Key]++] = start + (uint)pair.AnchorTime;
            }
        }

        return new FingerprintIndex(directory, postings, [.. _tracks, .. placed]);
    }

    /// <summary>
    /// An index with <paramref name="added"/> in the recent layer: only the added tracks are hashed and the main
    /// layer is shared, so the cost follows the recent layer, not the catalogue. Positions equal those of
    /// <see cref="Append"/>, so <see cref="Flatten"/> later gives the same index without moving any track.
    /// </summary>
    public FingerprintIndex Layer(IReadOnlyList<(string Id, TrackPeaks Peaks)> added)
    {
        ArgumentNullException.ThrowIfNull(added);
        var main = _tracks[.._mainCount];
        var next = main.Length == 0 ? 0UL : (ulong)main[^1].End + TrackGap;
        var recent = _recent?.Append(added) ?? IndexBuilder.BuildPlaced(IndexBuilder.Place(added, next));
        return new FingerprintIndex(_directory, _postings, main, recent);
    }

    /// <summary>One layer holding every track (what a full build in this order gives); this index when it has one.</summary>
    public FingerprintIndex Flatten() => _recent is null ? this : MainLayer.Append(RecentTracks);

    private FingerprintIndex MainLayer => new(_directory, _postings, _tracks[.._mainCount]);

    private (string Id, TrackPeaks Peaks)[] RecentTracks => [.. _tracks[_mainCount..].Select(t => (t.Id, t.Peaks))];
}
