using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

public class ExternalBrokerSequencerTests
{
    private readonly ManualTime _time = new();
    private readonly List<InboundPacket> _release = [];

    [Fact]
    public void Add_OvertakenPacket_ReleasedInSequenceOnceTheGapFills()
    {
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(5), _time);
        sequencer.Add("st1", 1, [1], _release);
        Assert.Empty(_release);
        _time.Advance(TimeSpan.FromSeconds(6));
        sequencer.Expire(_release);
        Assert.Equal([1], Payloads());
        _release.Clear();

        sequencer.Add("st1", 3, [3], _release);
        sequencer.Add("st1", 2, [2], _release);

        Assert.Equal([2, 3], Payloads());
    }

    [Fact]
    public void Add_RestartedAgentNumberingFromOne_OldStreamsWaitingPacketsFirstThenTheNewStreamInOrder()
    {
        const long oldStream = 1_000_000, newStream = 2_000_000;
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(1), _time);
        sequencer.Add("st1", 40, [40], _release, oldStream);
        _time.Advance(TimeSpan.FromSeconds(1));
        sequencer.Expire(_release);
        sequencer.Add("st1", 42, [42], _release, oldStream); // waits for 41, which never comes

        // Reinstalled with a new spool: numbers start again, and the first two arrive out of order.
        sequencer.Add("st1", 2, [2], _release, newStream);
        sequencer.Add("st1", 1, [1], _release, newStream);
        Assert.Equal([40, 42], Payloads());
        _time.Advance(TimeSpan.FromSeconds(1));
        sequencer.Expire(_release);
        sequencer.Add("st1", 4, [4], _release, newStream);
        sequencer.Add("st1", 3, [3], _release, newStream);

        Assert.Equal([40, 42, 1, 2, 3, 4], Payloads());
        Assert.False(sequencer.HasPending);
    }

    [Fact]
    public void Add_LatePacketOfAnEarlierStream_GoesOnAtOnceForTheIngestLoopToCount()
    {
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(1), _time);
        sequencer.Add("st1", 1, [1], _release, 2_000_000);
        _time.Advance(TimeSpan.FromSeconds(1));
        sequencer.Expire(_release);
        sequencer.Add("st1", 3, [3], _release, 2_000_000);

        sequencer.Add("st1", 77, [77], _release, 1_000_000);

        Assert.Equal([1, 77], Payloads());
        Assert.True(sequencer.HasPending); // 3 still waits for 2
    }

    [Fact]
    public void Add_EarlierStreamAfterTheCurrentWentQuiet_IsPutInOrderToo()
    {
        const long earlier = 1_000_000, current = 2_000_000;
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(1), _time);
        sequencer.Add("st1", 5, [5], _release, current);
        _time.Advance(TimeSpan.FromSeconds(1));
        sequencer.Expire(_release);
        _release.Clear();

        // The current stream went quiet; a reinstalled agent replays an earlier day (the ingest loop lets it take the
        // station over), and one packet of its burst overtakes another.
        _time.Advance(TimeSpan.FromSeconds(60));
        sequencer.Add("st1", 9, [9], _release, earlier);
        _time.Advance(TimeSpan.FromSeconds(1));
        sequencer.Expire(_release);
        sequencer.Add("st1", 11, [11], _release, earlier);
        sequencer.Add("st1", 10, [10], _release, earlier);

        Assert.Equal([9, 10, 11], Payloads());
        Assert.False(sequencer.HasPending);
    }

    [Fact]
    public void Expire_PacketsOfABurst_EachWaitsItsOwnWindowForTheGapBeforeIt()
    {
        // A spool replay split between the direct and the forwarded path: the forwarded packets trail the direct ones.
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(1), _time);
        sequencer.Add("st1", 1, [1], _release);
        _time.Advance(TimeSpan.FromSeconds(0.9));
        sequencer.Add("st1", 3, [3], _release);
        _time.Advance(TimeSpan.FromSeconds(0.1));

        sequencer.Expire(_release);
        Assert.Equal([1], Payloads());

        _time.Advance(TimeSpan.FromSeconds(0.5));
        sequencer.Add("st1", 2, [2], _release); // forwarded, 0.6 s behind 3
        Assert.Equal([1, 2, 3], Payloads());
        Assert.False(sequencer.HasPending);
    }

    [Fact]
    public void Expire_GapNeverFilled_ReleasesWhatWaitedItsWindowInOrder()
    {
        var sequencer = new ExternalBrokerSequencer(TimeSpan.FromSeconds(1), _time);
        sequencer.Add("st1", 1, [1], _release);
        _time.Advance(TimeSpan.FromSeconds(1));
        sequencer.Expire(_release);
        sequencer.Add("st1", 3, [3], _release); // 2 was lost
        sequencer.Add("st1", 4, [4], _release);
        _time.Advance(TimeSpan.FromSeconds(0.5));
        sequencer.Expire(_release);
        Assert.Equal([1], Payloads());

        _time.Advance(TimeSpan.FromSeconds(0.5));
        sequencer.Expire(_release);

        Assert.Equal([1, 3, 4], Payloads());
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
        sequencer.Add("st1", 5, [5], _release);
        byte[] copy = [5];

        sequencer.Add("st1", 5, copy, _release);

        Assert.Empty(_release);
        Assert.Same(copy, Assert.Single(discarded));
    }

    private int[] Payloads() => [.. _release.Select(p => (int)p.Payload[0])];

    private sealed class ManualTime : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
