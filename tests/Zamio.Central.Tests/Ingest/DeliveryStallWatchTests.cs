using Zamio.Central.Ingest;

namespace Zamio.Central.Tests.Ingest;

public class DeliveryStallWatchTests
{
    private const long Steady = 1000;
    private const long Trickle = 50;

    private readonly DeliveryStallWatch _watch = new();
    private long _total;

    public DeliveryStallWatchTests() => _watch.Observe(0, keepingUp: true);

    private static IEnumerable<long> Warm => Enumerable.Repeat(Steady, DeliveryStallWatch.MinimumHistory + 2);

    [Fact]
    public void Observe_SteadyTraffic_NeverStalled()
    {
        Assert.Equal<bool>(Enumerable.Repeat(false, 100), Intervals(Enumerable.Repeat(Steady, 100)));
    }

    [Fact]
    public void Observe_CollapseWhileKeepingUp_StalledOnTheLastCollapsedIntervalOfTheRun()
    {
        Intervals(Warm);
        var collapse = Intervals(Enumerable.Repeat(Trickle, DeliveryStallWatch.CollapsedIntervals));
        Assert.Equal<bool>([.. Enumerable.Repeat(false, DeliveryStallWatch.CollapsedIntervals - 1), true], collapse);
    }

    [Fact]
    public void Observe_SlowdownToAQuarterWhileKeepingUp_Stalled()
    {
        // Stalls often begin as a slowdown, not a stop.
        Intervals(Warm);
        var slowdown = Intervals(Enumerable.Repeat(Steady / 4, DeliveryStallWatch.CollapsedIntervals));
        Assert.Equal<bool>([.. Enumerable.Repeat(false, DeliveryStallWatch.CollapsedIntervals - 1), true], slowdown);
    }

    [Fact]
    public void Observe_TrafficHalved_NotStalled()
    {
        // Half a fleet going offline at once is a quieter broker, not a stalled one.
        Intervals(Warm);
        Assert.Equal<bool>(Enumerable.Repeat(false, 20), Intervals(Enumerable.Repeat(Steady / 2, 20)));
    }

    [Fact]
    public void Observe_ShortDipsThenRecovery_NotStalled()
    {
        // Agents send every 2 s: a quiet second or two between bursts is traffic, not a stall.
        Intervals(Warm);
        Assert.Equal<bool>(Enumerable.Repeat(false, 6), Intervals([Trickle, Trickle, Steady, 0, Trickle, Steady]));
    }

    [Fact]
    public void Observe_CollapseWhileBehind_NotStalled()
    {
        // Deliveries fall because this instance is behind (its queue full, acknowledgements held back), not the broker.
        Intervals(Warm);
        Assert.Equal<bool>(Enumerable.Repeat(false, 5), [.. Enumerable.Range(0, 5).Select(_ => Interval(0, keepingUp: false))]);
    }

    [Fact]
    public void Observe_CollapseBeforeAMinimumHistory_NotStalled()
    {
        // The start-up burst alone is no yardstick.
        Intervals(Enumerable.Repeat(Steady, DeliveryStallWatch.MinimumHistory - DeliveryStallWatch.CollapsedIntervals));
        Assert.Equal<bool>(Enumerable.Repeat(false, DeliveryStallWatch.CollapsedIntervals), Intervals(Enumerable.Repeat(0L, DeliveryStallWatch.CollapsedIntervals)));
    }

    [Fact]
    public void Observe_ThinTraffic_NotStalled()
    {
        Intervals(Enumerable.Repeat(DeliveryStallWatch.MinimumBaseline - 1, DeliveryStallWatch.MinimumHistory + 2));
        Assert.Equal<bool>(Enumerable.Repeat(false, 5), Intervals(Enumerable.Repeat(0L, 5)));
    }

    [Fact]
    public void Observe_PeakOlderThanTheHistory_NotTheYardstick()
    {
        // A busy spell long gone, then a quieter steady level: that level is the yardstick, and it holds.
        Intervals(Enumerable.Repeat(10 * Steady, DeliveryStallWatch.MinimumHistory));
        Intervals(Enumerable.Repeat(Steady / 2, DeliveryStallWatch.History));
        Assert.Equal<bool>(Enumerable.Repeat(false, 5), Intervals(Enumerable.Repeat(Steady / 2, 5)));
    }

    [Fact]
    public void Reset_AfterAStall_HistoryBuiltAgainBeforeTheNextCall()
    {
        Intervals(Warm);
        Intervals(Enumerable.Repeat(0L, DeliveryStallWatch.CollapsedIntervals));
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
