using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Indexing;

/// <summary>Collects tracks, then builds a <see cref="FingerprintIndex"/> with a two-pass counting sort.</summary>
public sealed class IndexBuilder
{
    private readonly List<(string Id, TrackPeaks Peaks)> _tracks = [];

    public int Count => _tracks.Count;

    public IndexBuilder Add(string id, ReadOnlySpan<Peak> peaks, int frameCount) =>
        Add(id, TrackPeaks.FromPeaks(peaks, frameCount));

    public IndexBuilder Add(string id, TrackPeaks peaks)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        _tracks.Add((id, peaks));
        return this;
    }

    public FingerprintIndex Build() => BuildPlaced(Place(_tracks, 0));

    /// <summary>Indexes tracks already placed on the timeline.</summary>
    internal static FingerprintIndex BuildPlaced(IndexedTrack[] tracks)
    {
        var keyCount = 1 << PairHasher.KeyBits;
        var counts = new int[keyCount + 1];
        // Pass 1 hashes each track in parallel and counts keys; pass 2 scatters into place.
        var perTrack = HashTracks(tracks);

        foreach (var pairs in perTrack)
        {
            foreach (var pair in pairs)
            {
                counts[pair.Key + 1]++;
            }
        }

        for (var k = 0; k < keyCount; k++)
        {
            counts[k + 1] += counts[k];
        }

        var postings = new uint[counts[keyCount]];
        var cursor = counts.AsSpan(0, keyCount).ToArray();
        for (var i = 0; i < tracks.Length; i++)
        {
            var start = tracks[i].Start;
            foreach (var pair in perTrack[i])
            {
                postings[cursor[pair.Key]++] = start + (uint)pair.AnchorTime;
            }

            perTrack[i] = [];
        }

        return new FingerprintIndex(counts, postings, tracks);
    }

    /// <summary>Lays tracks end to end from <paramref name="position"/>, a gap after each.</summary>
    internal static IndexedTrack[] Place(IReadOnlyList<(string Id, TrackPeaks Peaks)> tracks, ulong position)
    {
        var placed = new IndexedTrack[tracks.Count];
        for (var i = 0; i < placed.Length; i++)
        {
            var (id, peaks) = tracks[i];
            if (position + (ulong)peaks.FrameCount + FingerprintIndex.TrackGap > uint.MaxValue)
            {
                throw new InvalidOperationException("catalogue exceeds the index timeline (about 8 years of audio)");
            }

            placed[i] = new IndexedTrack(id, (uint)position, peaks);
            position += (ulong)peaks.FrameCount + FingerprintIndex.TrackGap;
        }

        return placed;
    }

    /// <summary>Each track's landmarks, hashed in parallel.</summary>
    internal static List<HashedPair>[] HashTracks(IndexedTrack[] tracks)
    {
        var perTrack = new List<HashedPair>[tracks.Length];
        Parallel.For(0, tracks.Length, () => new List<HashPoint>(), (i, _, points) =>
        {
            perTrack[i] = HashTrack(tracks[i].Peaks, points);
            return points;
        }, _ => { });
        return perTrack;
    }

    private static List<HashedPair> HashTrack(TrackPeaks peaks, List<HashPoint> points)
    {
        points.Clear();
        for (var i = 0; i < peaks.Count; i++)
        {
            points.Add(PairHasher.ToPoint(peaks[i], SpeedHypothesis.Identity));
        }

        var pairs = new List<HashedPair>(points.Count * PairHasher.ReferenceFanout);
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(points);
        PairHasher.Hash(span, 0, span.Length, PairHasher.ReferenceFanout, pairs);
        return pairs;
    }
}
