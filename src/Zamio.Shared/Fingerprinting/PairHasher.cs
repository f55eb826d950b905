namespace Zamio.Shared.Fingerprinting;

/// <summary>A peak in hashing coordinates: time in frames and frequency in log cells (both may be fractional).</summary>
public readonly record struct HashPoint(float Time, float LogFreq);

/// <summary>A landmark pair: its key and the anchor's time in frames.</summary>
public readonly record struct HashedPair(int Key, float AnchorTime);

/// <summary>
/// Landmark pairs (anchor, target) keyed by quantised anchor log-frequency, log-frequency difference and time
/// difference. Log frequency makes a speed change a constant shift, which the matcher undoes per hypothesis.
/// </summary>
public static class PairHasher
{
    /// <summary>Log-frequency cells per octave.</summary>
    public const float CellsPerOctave = 36f;

    public const int MinDt = 1;
    public const int MaxDt = 48;
    public const int MaxDLog = 40;

    /// <summary>Targets per anchor stored in the catalogue (drives index size).</summary>
    public const int ReferenceFanout = 4;

    /// <summary>Targets per anchor on the query side: larger, so a reference pair survives extra peaks.</summary>
    public const int QueryFanout = 8;

    public const int KeyBits = 21;

    private const int DtBits = 6;
    private const int DLogBits = 7;
    private static readonly float LogOrigin = MathF.Log2(FrameAnalyzer.MinBin * 0.9f);

    public static float LogFrequency(float bin) => (MathF.Log2(bin) - LogOrigin) * CellsPerOctave;

    public static HashPoint ToPoint(Peak peak, SpeedHypothesis speed) =>
        new(peak.Frame * speed.TimeScale, LogFrequency(peak.Bin / speed.FreqScale));

    /// <summary>
    /// Hashes anchors with index in [<paramref name="anchorFrom"/>, <paramref name="anchorTo"/>); targets may lie
    /// anywhere later in <paramref name="points"/> (sorted by time).
    /// </summary>
    public static void Hash(ReadOnlySpan<HashPoint> points, int anchorFrom, int anchorTo, int fanout, List<HashedPair> output)
    {
        for (var i = anchorFrom; i < anchorTo; i++)
        {
            var a = points[i];
            var anchorCell = (int)a.LogFreq;
            if (anchorCell < 0 || anchorCell >= 1 << (KeyBits - DtBits - DLogBits))
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

                var key = (anchorCell << (DtBits + DLogBits)) | ((dLog + MaxDLog) << DtBits) | dt;
                output.Add(new HashedPair(key, a.Time));
                taken++;
            }
        }
    }
}
