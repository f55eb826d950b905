namespace Zamio.Shared.Fingerprinting;

/// <summary>A peak in hashing coordinates: time in frames and frequency in log cells (both may be fractional).</summary>
public readonly record struct HashPoint(float Time, float LogFreq);

/// <summary>A landmark: its key and the anchor's time in frames.</summary>
public readonly record struct HashedPair(int Key, float AnchorTime);

/// <summary>
/// Landmark triplets (anchor plus two later peaks) keyed by quantised anchor log-frequency, the two log-frequency
/// differences and the two time differences, mixed into <see cref="KeyBits"/> bits. Log frequency makes a
/// speed change a constant shift, which the matcher undoes per hypothesis. Triplets rather than pairs because
/// pair keys cluster (sustained notes, common intervals) and long posting lists would dominate query cost.
/// </summary>
public static class PairHasher
{
    /// <summary>Log-frequency cells per octave.</summary>
    public const float CellsPerOctave = 36f;

    public const int MinDt = 1;
    public const int MaxDt = 48;
    public const int MaxDLog = 40;

    /// <summary>Targets per anchor in the catalogue: C(3, 2) = 3 triplets per peak (drives index size).</summary>
    public const int ReferenceFanout = 3;

    /// <summary>Targets per anchor in queries: C(5, 2) = 10 triplets, so a catalogue triplet survives extra peaks.</summary>
    public const int QueryFanout = 5;

    public const int KeyBits = 22;

    private const int MaxFanout = 8;
    private static readonly float LogOrigin = MathF.Log2(FrameAnalyzer.MinBin * 0.9f);

    public static float LogFrequency(float bin) => (MathF.Log2(bin) - LogOrigin) * CellsPerOctave;

    public static HashPoint ToPoint(Peak peak, SpeedHypothesis speed) =>
        new(peak.Frame * speed.TimeScale, LogFrequency(peak.Bin / speed.FreqScale));

    /// <summary>
    /// Hashes anchors with index in [<paramref name="anchorFrom"/>, <paramref name="anchorTo"/>); targets may lie
    /// anywhere later in <paramref name="points"/> (sorted by time). With <paramref name="jitterTimes"/> each triplet
    /// also gives the keys of its time differences one frame longer or shorter: a query whose peaks moved by a frame
    /// (broadcast processing smears onsets) still meets the catalogue's triplet, at nine lookups per triplet.
    /// With <paramref name="newFrom"/> only the triplets whose later target has that index or more: what the points from
    /// there on add to hashing points[..newFrom]. An anchor's targets are its first valid points in time, so a shorter
    /// run's triplets are a subset of a longer run's, and the two calls together give exactly the longer run's triplets.
    /// </summary>
    public static void Hash(ReadOnlySpan<HashPoint> points, int anchorFrom, int anchorTo, int fanout, List<HashedPair> output, bool jitterTimes = false, int newFrom = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fanout, MaxFanout);
        Span<int> dts = stackalloc int[MaxFanout];
        Span<int> dLogs = stackalloc int[MaxFanout];
        Span<int> targets = stackalloc int[MaxFanout];
        for (var i = anchorFrom; i < anchorTo; i++)
        {
            var a = points[i];
            if (a.LogFreq < 0)
            {
                continue;
            }

            var taken = 0;
            for (var j = i + 1; j < points.Length && taken < fanout; j++)
            {
                var b = points[j];
                var dt = (int)MathF.Round(b.Time - a.Time);
                if (dt > MaxDt)
                {
                    break;
                }

                var dLog = (int)MathF.Round(b.LogFreq - a.LogFreq);
                if (dt < MinDt || dLog < -MaxDLog || dLog > MaxDLog)
                {
                    continue;
                }

                dts[taken] = dt;
                dLogs[taken] = dLog + MaxDLog;
                targets[taken] = j;
                taken++;
            }

            var anchorCell = (long)a.LogFreq;
            for (var x = 0; x < taken; x++)
            {
                for (var y = x + 1; y < taken; y++)
                {
                    if (targets[y] < newFrom)
                    {
                        continue;
                    }

                    if (jitterTimes)
                    {
                        AddJittered(anchorCell, dLogs[x], dLogs[y], dts[x], dts[y], a.Time, output);
                    }
                    else
                    {
                        output.Add(new HashedPair(Key(anchorCell, dLogs[x], dLogs[y], dts[x], dts[y]), a.Time));
                    }
                }
            }
        }
    }

    private static void AddJittered(long anchorCell, int dLogX, int dLogY, int dtX, int dtY, float anchorTime, List<HashedPair> output)
    {
        for (var x = Math.Max(dtX - 1, MinDt); x <= Math.Min(dtX + 1, MaxDt); x++)
        {
            for (var y = Math.Max(dtY - 1, MinDt); y <= Math.Min(dtY + 1, MaxDt); y++)
            {
                output.Add(new HashedPair(Key(anchorCell, dLogX, dLogY, x, y), anchorTime));
            }
        }
    }

    private static int Key(long anchorCell, int dLogX, int dLogY, int dtX, int dtY) =>
        Mix((anchorCell << 32) | ((long)dLogX << 24) | ((long)dLogY << 16) | ((long)dtX << 8) | (uint)dtY);

    // Multiplicative mixing spreads the skewed component distribution evenly over the key space.
    private static int Mix(long packed) => (int)((ulong)(packed * unchecked((long)0x9E3779B97F4A7C15)) >> (64 - KeyBits));
}
