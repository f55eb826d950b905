using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Indexing;

/// <summary>
/// Immutable inverted index: for each pair key, the sorted anchor positions of every catalogue occurrence.
/// Tracks are laid end to end on one 32-bit frame timeline with gaps between them, so a posting is 4 bytes and
/// an offset-vote winner names its track by position alone. Recently added tracks may sit in a small second layer
/// (<see cref="Recent"/>) on the same timeline, so adding a track does not copy the whole index; <see cref="Flatten"/>
/// merges the layers into the index a full build would give.
/// </summary>
public sealed partial class FingerprintIndex
{
    /// <summary>Silence between tracks on the index timeline, wider than any query window at any speed.</summary>
    public const uint TrackGap = 8192;

    private readonly int[] _directory;
    private readonly uint[] _postings;
    private readonly IndexedTrack[] _tracks;
    private readonly uint[] _starts;
    private readonly FingerprintIndex? _recent;
    private readonly int _mainCount;

    internal FingerprintIndex(int[] directory, uint[] postings, IndexedTrack[] tracks)
        : this(directory, postings, tracks, null)
    {
    }

    private FingerprintIndex(int[] directory, uint[] postings, IndexedTrack[] mainTracks, FingerprintIndex? recent)
    {
        _directory = directory;
        _postings = postings;
        _mainCount = mainTracks.Length;
        _recent = recent;
        _tracks = recent is null ? mainTracks : [.. mainTracks, .. recent._tracks];
        _starts = [.. _tracks.Select(t => t.Start)];
    }

    public static FingerprintIndex Empty { get; } = new IndexBuilder().Build();

    public IReadOnlyList<IndexedTrack> Tracks => _tracks;

    public long PostingCount => _postings.Length + (_recent?.PostingCount ?? 0);

    /// <summary>The layer of recently added tracks (a flat index of their postings only), or null.</summary>
    public FingerprintIndex? Recent => _recent;

    /// <summary>Start of each key's postings in the main layer (one past the last key: its posting count).</summary>
    internal ReadOnlySpan<int> Directory => _directory;

    internal ReadOnlySpan<uint> AllPostings => _postings;

    public double TotalSeconds => _tracks.Sum(t => FingerprintSettings.FrameToSeconds(t.Peaks.FrameCount));

    /// <summary>Bytes held by the index and the verification peaks (not counting ids).</summary>
    public long MemoryBytes => (long)_directory.Length * sizeof(int) + (long)_postings.Length * sizeof(uint)
        + _tracks.Take(_mainCount).Sum(t => (long)t.Peaks.Count * sizeof(uint)) + (_recent?.MemoryBytes ?? 0);

    /// <summary>Postings of one key in the main layer.</summary>
    public ReadOnlySpan<uint> Lookup(int key) =>
        _postings.AsSpan(_directory[key], _directory[key + 1] - _directory[key]);

    /// <summary>
    /// Resolves many keys to posting ranges (start in the high half, count in the low) in one pass. The loads are
    /// independent, so the CPU overlaps the directory's cache misses that a key-by-key walk would serialise.
    /// </summary>
    public void Ranges(ReadOnlySpan<HashedPair> pairs, Span<long> ranges)
    {
        for (var i = 0; i < pairs.Length; i++)
        {
            var key = pairs[i].Key;
            var start = _directory[key];
            ranges[i] = ((long)start << 32) | (uint)(_directory[key + 1] - start);
        }
    }

    public ReadOnlySpan<uint> Postings(long range) => _postings.AsSpan((int)(range >> 32), (int)range);

    /// <summary>
    /// The track whose span, widened by a quarter of the gap on each side, contains <paramref name="position"/>;
    /// -1 when none does. A vote offset plus a window's middle lands near its track even when the track only
    /// covers part of the window.
    /// </summary>
    public int TrackNear(long position)
    {
        const long margin = TrackGap / 4;
        var probe = position + margin;
        if (_starts.Length == 0 || probe < 0 || probe > uint.MaxValue)
        {
            return -1;
        }

        // Last track starting at or before the probe; gaps are four margins wide, so at most one qualifies.
        var index = Array.BinarySearch(_starts, (uint)probe);
        index = index < 0 ? ~index - 1 : index;
        return index >= 0 && position < (long)_tracks[index].End + margin ? index : -1;
    }

    /// <summary>The track whose span on the index timeline contains <paramref name="position"/>, or -1.</summary>
    public int TrackAt(long position)
    {
        if (position < 0 || position > uint.MaxValue)
        {
            return -1;
        }

        var index = Array.BinarySearch(_starts, (uint)position);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && position < _tracks[index].End ? index : -1;
    }
}
