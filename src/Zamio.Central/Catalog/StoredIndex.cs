using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Catalog;

/// <summary>An index built from stored peaks; tracks fingerprinted with another algorithm version are left out and counted.</summary>
internal static class StoredIndex
{
    public static FingerprintIndex Build(IEnumerable<StoredPeaks> stored, out int staleTracks)
    {
        var builder = new IndexBuilder();
        staleTracks = 0;
        foreach (var peaks in stored)
        {
            if (peaks.AlgorithmVersion != FingerprintSettings.AlgorithmVersion)
            {
                staleTracks++;
                continue;
            }

            builder.Add(peaks.Id, peaks.ToTrackPeaks());
        }

        return builder.Build();
    }
}
