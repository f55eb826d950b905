namespace Zamio.Central.Ingest;

/// <summary>
/// Tells within about a second when an external broker has stopped delivering to this instance: the instance sends
/// itself a small QoS 1 message through the broker (<see cref="Sent"/>), and a probe held for <see cref="Timeout"/>
/// while the instance kept up (nothing waiting in its inbox or ingest queue) means the broker is holding this client's
/// deliveries. Seen at 2,000 stations: seconds without a delivery, everything acknowledged, both processes idle (the
/// broker's TCP retransmission backoff, while this client's socket buffers were 8 KiB). The broker's backlog for us
/// grows at the fleet's rate meanwhile, so every second counts.
/// <para>
/// Unlike the rate of deliveries (<see cref="DeliveryStallWatch"/>), the probe needs no traffic and no history: it
/// holds for one station as for thousands, and for agents that send every second as for agents that send every ten.
/// A probe sent while the instance was behind waits behind the fingerprints the instance has not acknowledged yet,
/// so only the time spent keeping up counts. After a reconnect the next call waits for one probe to come back, so a
/// broker that is merely slow to deliver is not reconnected to over and over.
/// </para>
/// </summary>
public sealed class DeliveryProbe(TimeProvider time)
{
    /// <summary>How long a probe may be held while this instance keeps up.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private long _sequence;
    private long _outstanding = -1;
    private long _sentAt;
    private long _keptUpSince = -1;
    private bool _armed;

    /// <summary>The sequence number of the probe to send now, or null while one is outstanding.</summary>
    public long? Next()
    {
        if (Interlocked.Read(ref _outstanding) >= 0)
        {
            return null;
        }

        _sentAt = time.GetTimestamp();
        var sequence = ++_sequence;
        Interlocked.Exchange(ref _outstanding, sequence);
        return sequence;
    }

    /// <summary>A probe came back (called from the broker's callback).</summary>
    public void Returned(long sequence)
    {
        if (Interlocked.CompareExchange(ref _outstanding, -1, sequence) == sequence)
        {
            Volatile.Write(ref _armed, true);
        }
    }

    /// <summary>Called every beat; true when the outstanding probe has been held for <see cref="Timeout"/> while keeping up.</summary>
    public bool Observe(bool keepingUp)
    {
        var now = time.GetTimestamp();
        if (!keepingUp)
        {
            _keptUpSince = -1;
            return false;
        }

        if (_keptUpSince < 0)
        {
            _keptUpSince = now;
        }

        if (Interlocked.Read(ref _outstanding) < 0 || !Volatile.Read(ref _armed))
        {
            return false;
        }

        return time.GetElapsedTime(Math.Max(_sentAt, _keptUpSince), now) >= Timeout;
    }

    /// <summary>Forgets the outstanding probe (its connection is gone) and waits for one to return before calling again.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _outstanding, -1);
        Volatile.Write(ref _armed, false);
        _keptUpSince = -1;
    }
}
