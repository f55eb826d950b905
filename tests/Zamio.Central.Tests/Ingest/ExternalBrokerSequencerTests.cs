using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

public class ExternalBrokerSequencerTests
{
    [Fact]
    public void Add_OvertakenPacket_ReleasedInSequenceOnceTheGapFills()
    {
        var time = new ManualTime();
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(5), time);
        var release = new List<InboundPacket>();
        sequencer.Add("st1", 1, [1], release);
        Assert.Empty(release);
        time.Advance(TimeSpan.FromSeconds(6));
        sequencer.Expire(release);
        Assert.Equal([1], release.Select(p => (int)p.Payload[0]));
        release.Clear();

        sequencer.Add("st1", 3, [3], release);
        sequencer.Add("st1", 2, [2], release);

        Assert.Equal([2, 3], release.Select(p => (int)p.Payload[0]));
    }

    [Fact]
    public void Expire_PacketsOfABurst_EachWaitsItsOwnWindowForTheGapBeforeIt()
    {
        // A spool replay split between the direct and the forwarded path: the forwarded packets trail the direct ones.
        var time = new ManualTime();
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(1), time);
        var release = new List<InboundPacket>();
        sequencer.Add("st1", 1, [1], release);
        time.Advance(TimeSpan.FromSeconds(0.9));
        sequencer.Add("st1", 3, [3], release);
        time.Advance(TimeSpan.FromSeconds(0.1));

        sequencer.Expire(release);
        Assert.Equal([1], release.Select(p => (int)p.Payload[0]));

        time.Advance(TimeSpan.FromSeconds(0.5));
        sequencer.Add("st1", 2, [2], release); // forwarded, 0.6 s behind 3
        Assert.Equal([1, 2, 3], release.Select(p => (int)p.Payload[0]));
        Assert.False(sequencer.HasPending);
    }

    [Fact]
    public void Expire_GapNeverFilled_ReleasesWhatWaitedItsWindowInOrder()
    {
        var time = new ManualTime();
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(1), time);
        var release = new List<InboundPacket>();
        sequencer.Add("st1", 1, [1], release);
        time.Advance(TimeSpan.FromSeconds(1));
        sequencer.Expire(release);
        sequencer.Add("st1", 3, [3], release); // 2 was lost
        sequencer.Add("st1", 4, [4], release);
        time.Advance(TimeSpan.FromSeconds(0.5));
        sequencer.Expire(release);
        Assert.Equal([1], release.Select(p => (int)p.Payload[0]));

        time.Advance(TimeSpan.FromSeconds(0.5));
        sequencer.Expire(release);

        Assert.Equal([1, 3, 4], release.Select(p => (int)p.Payload[0]));
        Assert.False(sequencer.HasPending);
    }

    [Fact]
    public void Add_SecondCopyOfAWaitingPacket_DiscardedAndReportedNotReleased()
    {
        var discarded = new List<byte[]>();
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(5), TimeProvider.System)
        {
            Discarded = (_, payload) => discarded.Add(payload),
        };
        var release = new List<InboundPacket>();
        sequencer.Add("st1", 5, [5], release);
        byte[] copy = [5];

        sequencer.Add("st1", 5, copy, release);

        Assert.Empty(release);
        Assert.Same(copy, Assert.Single(discarded));
    }

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
