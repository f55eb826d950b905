using System.IO.Hashing;
using System.Runtime.InteropServices;
using Zamio.Shared.Matching;

namespace Zamio.Central.Ingest;

/// <summary>
/// Where a station's matching windows fall in the stream matcher's 4 s step. Sessions that begin together (every station
/// at once when central starts or takes stations over, or agents restarted together) would otherwise all match a window
/// in the same second of every step: work in bursts, with packets queued seconds behind each. A hash of the station id
/// spreads them over the step, the same for live ingest and rematch.
/// </summary>
internal static class WindowPhase
{
    // XxHash3 is stable across processes and runs, unlike string.GetHashCode.
    public static int Of(string station) =>
        (int)(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(station.AsSpan())) % (ulong)StreamMatcher.StepFrames);
}
