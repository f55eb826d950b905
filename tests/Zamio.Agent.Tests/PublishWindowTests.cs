using Microsoft.Extensions.Logging.Abstractions;
using Zamio.Agent.Delivery;
using Zamio.Agent.Spool;

namespace Zamio.Agent.Tests;

public sealed class PublishWindowTests
{
    private static SpoolRecord Record(ulong sequence) => new(sequence, [(byte)sequence]);

    [Fact]
    public async Task OutOfOrderAcks_CursorAdvancesOnlyContiguously()
    {
        using var dir = new TempDir();
        using var spool = new PacketSpool(new SpoolSettings(dir.Path, 1 << 30), TimeProvider.System, NullLogger<PacketSpool>.Instance);
        for (var i = 0; i < 4; i++)
        {
            spool.Append(s => [(byte)s]);
        }

        var window = new PublishWindow(4);
        var acks = new Dictionary<ulong, TaskCompletionSource>();
        while (!window.IsFull && spool.TryTake(out var record))
        {
            var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            acks[record.Sequence] = ack;
            window.Add(record, ack.Task);
        }

        Assert.Equal(4, window.Count);
        Assert.False(spool.TryTake(out _));

        // PUBACKs for 3, 4 and 2 arrive first: nothing may pass the unconfirmed packet 1.
        acks[3].SetResult();
        acks[4].SetResult();
        acks[2].SetResult();
        var oldest = window.CompleteOldestAsync(CancellationToken.None);
        Assert.False(oldest.IsCompleted);
        Assert.Equal(0UL, spool.AckedSequence);

        acks[1].SetResult();
        var expected = 1UL;
        while (window.Count > 0)
        {
            var done = await (expected == 1 ? oldest : window.CompleteOldestAsync(CancellationToken.None));
            Assert.Equal(expected, done.Sequence);
            spool.Acknowledge(done.Sequence);
            Assert.Equal(expected, spool.AckedSequence);
            expected++;
        }

        Assert.Equal(4UL, spool.AckedSequence);
        Assert.Equal(0, spool.Depth);
    }

    [Fact]
    public void Spool_RefusesAnAcknowledgementPastTheOldestInFlight()
    {
        using var dir = new TempDir();
        using var spool = new PacketSpool(new SpoolSettings(dir.Path, 1 << 30), TimeProvider.System, NullLogger<PacketSpool>.Instance);
        spool.Append(s => [(byte)s]);
        spool.Append(s => [(byte)s]);
        Assert.True(spool.TryTake(out _));
        Assert.True(spool.TryTake(out _));

        Assert.Throws<InvalidOperationException>(() => spool.Acknowledge(2));
        Assert.Equal(0UL, spool.AckedSequence);
        spool.Acknowledge(1);
        spool.Acknowledge(2);
        Assert.Equal(2UL, spool.AckedSequence);
    }

    [Fact]
    public async Task Failure_AbandonKeepsOrderAndRemembersLaterConfirmations()
    {
        var window = new PublishWindow(3);
        window.Add(Record(1), Task.FromException(new DeliveryException("link dropped")));
        window.Add(Record(2), Task.CompletedTask);
        window.Add(Record(3), Task.FromException(new DeliveryException("link dropped")));

        await Assert.ThrowsAsync<DeliveryException>(() => window.CompleteOldestAsync(CancellationToken.None));
        var abandoned = await window.AbandonAsync(CancellationToken.None);

        Assert.Equal(0, window.Count);
        Assert.Equal([1UL, 2UL, 3UL], abandoned.Select(a => a.Record.Sequence));
        Assert.Equal([false, true, false], abandoned.Select(a => a.Confirmed));
    }
}
