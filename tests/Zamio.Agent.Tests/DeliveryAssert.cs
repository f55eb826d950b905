using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

/// <summary>What "nothing lost, order kept" means for packets seen by a broker or subscriber.</summary>
internal static class DeliveryAssert
{
    /// <summary>
    /// First arrivals are exactly 1..<paramref name="lastSequence"/> in order, all from one station. QoS 1 is
    /// at-least-once, so a packet in flight when a connection broke may arrive again; those repeats are returned.
    /// </summary>
    public static IReadOnlyList<ulong> CompleteAndOrdered(IReadOnlyList<FingerprintPacket> received, ulong lastSequence, string stationId = "test-fm")
    {
        ArgumentNullException.ThrowIfNull(received);
        var firstArrivals = new List<ulong>();
        var repeats = new List<ulong>();
        var seen = new HashSet<ulong>();
        foreach (var p in received)
        {
            Assert.Equal(stationId, p.StationId);
            (seen.Add(p.Sequence) ? firstArrivals : repeats).Add(p.Sequence);
        }

        Assert.Equal(Enumerable.Range(1, (int)lastSequence).Select(i => (ulong)i), firstArrivals);
        return repeats;
    }

    /// <summary>Packets of one uninterrupted run tile the frame axis from frame 0: none is missing in between.</summary>
    public static void TilesFromZero(IReadOnlyList<FingerprintPacket> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Assert.NotEmpty(run);
        Assert.Equal(0, run[0].StartFrame);
        Contiguous(run);
    }

    /// <summary>Each packet starts where the previous one ended.</summary>
    public static void Contiguous(IReadOnlyList<FingerprintPacket> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        for (var i = 1; i < run.Count; i++)
        {
            Assert.Equal(run[i - 1].StartFrame + run[i - 1].FrameCount, run[i].StartFrame);
        }
    }
}
