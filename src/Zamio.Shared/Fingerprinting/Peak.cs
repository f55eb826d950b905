namespace Zamio.Shared.Fingerprinting;

/// <summary>
/// A spectral peak: the unit agents send and the catalogue stores. Hashes are derived from peaks on the
/// matching side, so a query can be re-hashed under several speed hypotheses without touching the audio.
/// </summary>
/// <param name="Frame">Analysis frame index (hop = <see cref="FingerprintSettings.HopSize"/> samples).</param>
/// <param name="Bin16">FFT bin of the peak in 1/16 bin units (sub-bin precision from interpolation).</param>
public readonly record struct Peak(int Frame, ushort Bin16)
{
    public float Bin => Bin16 / 16f;

    /// <summary>Index of the first peak at or after <paramref name="frame"/> in peaks sorted by frame.</summary>
    public static int FirstAtOrAfter(ReadOnlySpan<Peak> sortedPeaks, long frame)
    {
        var lo = 0;
        var hi = sortedPeaks.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sortedPeaks[mid].Frame < frame)
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
}
