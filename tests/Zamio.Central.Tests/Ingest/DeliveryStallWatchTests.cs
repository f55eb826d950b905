using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

public class DeliveryStallWatchTests
{
    private readonly DeliveryStallWatch _watch = new();
    private long _total;

    public DeliveryStallWatchTests() => _watch.Observe(0, keepingUp: true);

    [Fact]
    public void Observe_SteadyTraffic_NeverStalled()
    {
        Assert.Equal<bool>(Enumerable.Repeat(false, 30), Intervals(Enumerable.Repeat(5000L, 30)));
    }

    [Fact]
    public void Observe_CollapseWhileKeepingUp_StalledOnTheSecondCollapsedInterval()
    {
        Intervals(Enumerable.Repeat(5000L, 8));
        Assert.False(Interval(250));
        Assert.True(Interval(250));
    }

    [Fact]
    public void Observe_OneCollapsedIntervalThenRecovery_NotStalled()
    {
        Intervals(Enumerable.Repeat(5000L, 8));
        Assert.Equal<bool>([false, false, false], Intervals([250, 5000, 250]));
    }

    [Fact]
    public void Observe_CollapseWhileBehind_NotStalled()
    {
        // Deliveries fall because this instance is behind (its queue full, acknowledgements held back), not the broker.
        Intervals(Enumerable.Repeat(5000L, 8));
        Assert.False(Interval(0, keepingUp: false));
        Assert.False(Interval(0, keepingUp: false));
        Assert.False(Interval(0, keepingUp: false));
    }

    [Fact]
    public void Observe_CollapseBeforeAMinimumHistory_NotStalled()
    {
        // The start-up burst alone is no yardstick.
        Intervals(Enumerable.Repeat(5000L, DeliveryStallWatch.MinimumHistory - 2));
        Assert.Equal<bool>([false, false], Intervals([0, 0]));
    }

    [Fact]
    public void Observe_ThinTraffic_NotStalled()
    {
        Intervals(Enumerable.Repeat(DeliveryStallWatch.MinimumBaseline - 1, 8));
        Assert.Equal<bool>([false, false, false], Intervals([0, 0, 0]));
    }

    [Fact]
    public void Observe_PeakOlderThanTheHistory_NotTheYardstick()
    {
        // A busy minute long gone, then a quieter steady level: that level is the yardstick, and it holds.
        Intervals(Enumerable.Repeat(5000L, 6));
        Intervals(Enumerable.Repeat(400L, DeliveryStallWatch.History));
        Assert.Equal<bool>([false, false, false], Intervals([400, 400, 400]));
    }

    [Fact]
    public void Reset_AfterAStall_HistoryBuiltAgainBeforeTheNextCall()
    {
        Intervals(Enumerable.Repeat(5000L, 8));
        Intervals([0, 0]);
        _watch.Reset();
        Interval(0);
        Assert.Equal<bool>(Enumerable.Repeat(false, DeliveryStallWatch.MinimumHistory + 1), Intervals(Enumerable.Repeat(0L, DeliveryStallWatch.MinimumHistory + 1)));
    }

    private bool Interval(long delivered, bool keepingUp = true)
    {
        _total += delivered;
        return _watch.Observe(_total, keepingUp);
    }

    private List<bool> Intervals(IEnumerable<long> deliveries) => [.. deliveries.Select(d => Interval(d))];
}
