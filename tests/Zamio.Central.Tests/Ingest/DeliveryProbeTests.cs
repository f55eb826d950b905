using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

public class DeliveryProbeTests
{
    private static readonly TimeSpan Beat = TimeSpan.FromMilliseconds(250);

    private readonly FakeTimeProvider _time = new();
    private readonly DeliveryProbe _probe;

    public DeliveryProbeTests() => _probe = new DeliveryProbe(_time);

    [Fact]
    public void Observe_ProbesComingBack_NeverHeld()
    {
        for (var i = 0; i < 40; i++)
        {
            _probe.Returned(_probe.Next()!.Value);
            _time.Advance(Beat);
            Assert.False(_probe.Observe(keepingUp: true));
        }
    }

    [Fact]
    public void Observe_ProbeHeldWhileKeepingUp_HeldOnceTheTimeoutHasPassed()
    {
        Arm();
        _probe.Next();
        var calls = Beats(8, keepingUp: true);
        Assert.Equal<bool>([false, false, false, true, true, true, true, true], calls);
    }

    [Fact]
    public void Next_WhileAProbeIsOutstanding_SendsNothing()
    {
        var first = _probe.Next();
        Assert.NotNull(first);
        Assert.Null(_probe.Next());
        _probe.Returned(first.Value);
        Assert.Equal(first + 1, _probe.Next());
    }

    [Fact]
    public void Observe_ProbeHeldWhileBehind_OnlyTheTimeKeepingUpCounts()
    {
        // Sent while behind, the probe waits behind what this instance has not acknowledged: not the broker's doing.
        Arm();
        _probe.Next();
        Assert.All(Beats(12, keepingUp: false), Assert.False);
        // Counted from the first beat found keeping up.
        Assert.Equal<bool>([false, false, false, false, true], Beats(5, keepingUp: true));
    }

    [Fact]
    public void Returned_AnOlderProbe_DoesNotClearTheOutstandingOne()
    {
        Arm();
        _probe.Next();
        _probe.Returned(-5);
        Assert.Equal<bool>([false, false, false, true], Beats(4, keepingUp: true));
    }

    [Fact]
    public void Observe_BeforeAnyProbeCameBackOnTheConnection_NeverHeld()
    {
        // After a reconnect a broker that is merely slow must not be reconnected to at every timeout.
        Arm();
        _probe.Reset();
        _probe.Next();
        Assert.All(Beats(20, keepingUp: true), Assert.False);
    }

    // A probe has come back on this connection, and the instance keeps up from now.
    private void Arm()
    {
        _probe.Returned(_probe.Next()!.Value);
        _probe.Observe(keepingUp: true);
    }

    private List<bool> Beats(int count, bool keepingUp) =>
        [.. Enumerable.Range(0, count).Select(_ =>
        {
            _time.Advance(Beat);
            return _probe.Observe(keepingUp);
        })];
}
