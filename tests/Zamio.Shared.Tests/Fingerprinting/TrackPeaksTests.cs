using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Shared.Tests.Fingerprinting;

public class TrackPeaksTests
{
    [Fact]
    public void LowerBound_FromAnEarlierSearch_AgreesWithAFullSearch()
    {
        var random = new Random(17);
        var frame = 0;
        var peaks = new List<Peak>();
        for (var i = 0; i < 600; i++)
        {
            // Runs of peaks on one frame and gaps of up to 40 frames: both the nearby scan and the bisection are used.
            frame += random.Next(0, 4) == 0 ? random.Next(5, 40) : random.Next(0, 2);
            peaks.Add(new Peak(frame, (ushort)(random.Next(20, 1000) * 16)));
        }

        var sorted = peaks.OrderBy(p => p.Frame).ThenBy(p => p.Bin16).ToArray();
        var track = TrackPeaks.FromPeaks(sorted, frame + 10);
        var from = 0;
        for (var query = -5; query <= frame + 12; query += random.Next(0, 30))
        {
            var expected = track.LowerBound(query);
            var found = track.LowerBound(query, from);

            Assert.Equal(expected, found);
            Assert.True(found == track.Count || TrackPeaks.FrameOf(track.Packed[found]) >= query);
            Assert.True(found == 0 || TrackPeaks.FrameOf(track.Packed[found - 1]) < query);
            from = found;
        }
    }
}
