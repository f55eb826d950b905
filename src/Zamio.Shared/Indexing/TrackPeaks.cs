using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Indexing;

/// <summary>
/// A track's peaks packed into 32 bits each (frame: 21 bits, quarter-bin: 11 bits), sorted by frame.
/// Kept in memory for match verification at 4 bytes a peak.
/// </summary>
public sealed class TrackPeaks
{
    /// <summary>A packed peak is its frame shifted left by this many bits over its bin in quarter bins.</summary>
    public const int BinBits = 11;
    public const uint BinMask = (1u << BinBits) - 1;
    public const int MaxFrames = 1 << (32 - BinBits);

    // Peaks tried one by one before a bisection: under half a second of a track.
    private const int NearbyPeaks = 8;

    private readonly uint[] _packed;

    private TrackPeaks(uint[] packed, int frameCount)
    {
        _packed = packed;
        FrameCount = frameCount;
    }

    public int FrameCount { get; }

    public int Count => _packed.Length;

    public ReadOnlySpan<uint> Packed => _packed;

    /// <summary>Frame of the last peak: where the track's audio ends (0 for a track without peaks).</summary>
    public int LastFrame => _packed.Length > 0 ? FrameOf(_packed[^1]) : 0;

    public static TrackPeaks FromPeaks(ReadOnlySpan<Peak> peaks, int frameCount)
    {
        if (frameCount >= MaxFrames)
        {
            throw new ArgumentOutOfRangeException(nameof(frameCount), $"tracks longer than {FingerprintSettings.FrameToSeconds(MaxFrames):F0} s are not supported");
        }

        var packed = new uint[peaks.Length];
        for (var i = 0; i < peaks.Length; i++)
        {
            packed[i] = Pack(peaks[i]);
        }

        return new TrackPeaks(packed, frameCount);
    }

    /// <summary>Wraps an already packed, frame-sorted array (as stored by a catalogue).</summary>
    public static TrackPeaks FromPacked(uint[] packed, int frameCount)
    {
        for (var i = 1; i < packed.Length; i++)
        {
            if (packed[i] < packed[i - 1])
            {
                throw new InvalidDataException("stored peaks are not in frame order (corrupt fingerprint data)");
            }
        }

        return new TrackPeaks(packed, frameCount);
    }

    public static uint Pack(Peak peak) => ((uint)peak.Frame << BinBits) | Math.Min(BinMask, (uint)(peak.Bin16 + 2) >> 2);

    public static int FrameOf(uint packed) => (int)(packed >> BinBits);

    public static float BinOf(uint packed) => (packed & BinMask) / 4f;

    public Peak this[int index] => new(FrameOf(_packed[index]), (ushort)((_packed[index] & BinMask) << 2));

    /// <summary>Index of the first peak at or after <paramref name="frame"/>.</summary>
    public int LowerBound(int frame) => LowerBound(frame, 0);

    /// <summary>
    /// <see cref="LowerBound(int)"/> for a search known to end at or after <paramref name="from"/> (a previous search for
    /// an earlier frame): peaks right after it are tried first, since successive searches of one alignment move only a
    /// few peaks on.
    /// </summary>
    public int LowerBound(int frame, int from)
    {
        var key = (uint)Math.Max(0, frame) << BinBits;
        var near = Math.Min(_packed.Length, from + NearbyPeaks);
        for (var i = from; i < near; i++)
        {
            if (_packed[i] >= key)
            {
                return i;
            }
        }

        var lo = near;
        var hi = _packed.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_packed[mid] < key)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    public Peak[] ToPeaks()
    {
        var peaks = new Peak[_packed.Length];
        for (var i = 0; i < peaks.Length; i++)
        {
            peaks[i] = this[i];
        }

        return peaks;
    }
}
