namespace Zamio.Central.Ingest;

/// <summary>
/// Tells when an external broker has stopped delivering to this instance while traffic was flowing: three intervals
/// (seconds) in a row with fewer than a third of the deliveries of the best interval in the last <see cref="History"/>,
/// while this instance was not behind (its inbox and ingest queue empty, so the shortfall is not of its own making).
/// Every second of a stall leaves a second of every station's packets to catch up on, so it is called quickly. A third,
/// not a tenth: the broker's stalls often begin as a slowdown (at 2,000 stations, 15-25 % of the publishing rate for
/// 30-100 s before, if ever, falling under a tenth), and a fleet's traffic does not fall by two thirds within a second.
/// <para>
/// The rate says what <see cref="DeliveryProbe"/> cannot: a broker that goes on delivering this instance's own topics
/// but no longer its share of the stations. On a resumed session a broker must send again what it counts as in flight,
/// so reconnecting to the same session restores delivery and loses nothing; a false alarm costs a reconnect and a few
/// duplicates.
/// </para>
/// </summary>
public sealed class DeliveryStallWatch
{
    /// <summary>Intervals (seconds) remembered.</summary>
    public const int History = 30;

    /// <summary>Intervals needed before a stall is called, so a start-up burst is not the yardstick alone.</summary>
    public const int MinimumHistory = 15;

    /// <summary>Deliveries per interval below which traffic is too thin to tell a stall from a quiet spell.</summary>
    public const long MinimumBaseline = 20;

    /// <summary>Collapsed intervals in a row that make a stall (agents send every 2 s, so one quiet second is nothing).</summary>
    public const int CollapsedIntervals = 3;

    private const int Collapse = 3;

    private readonly long[] _deliveries = new long[History];
    private int _count;
    private int _next;
    private int _collapsed;
    private long _last = -1;

    /// <summary>Records the delivery total at the end of an interval; true when the broker looks stalled.</summary>
    /// <param name="delivered">Packets delivered to this instance since it started (a running total).</param>
    /// <param name="keepingUp">Whether this instance had nothing waiting (inbox and ingest queue empty).</param>
    public bool Observe(long delivered, bool keepingUp)
    {
        if (_last < 0)
        {
            _last = delivered;
            return false;
        }

        var interval = delivered - _last;
        _last = delivered;
        var best = 0L;
        for (var i = 0; i < _count; i++)
        {
            best = Math.Max(best, _deliveries[i]);
        }

        var collapsed = keepingUp && _count >= MinimumHistory && best >= MinimumBaseline && interval * Collapse < best;
        _collapsed = collapsed ? _collapsed + 1 : 0;
        _deliveries[_next] = interval;
        _next = (_next + 1) % History;
        _count = Math.Min(_count + 1, History);
        return _collapsed >= CollapsedIntervals;
    }

    /// <summary>Forgets the history (after a reconnect the yardstick is set again, <see cref="MinimumHistory"/> intervals first).</summary>
    public void Reset()
    {
        _count = 0;
        _next = 0;
        _collapsed = 0;
        _last = -1;
    }
}
