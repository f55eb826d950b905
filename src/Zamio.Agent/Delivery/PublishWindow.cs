using Zamio.Agent.Spool;

namespace Zamio.Agent.Delivery;

/// <summary>
/// A bounded window of QoS 1 publishes in flight. Confirmations may arrive in any order, but packets leave the
/// window (and so reach the spool's acknowledgement cursor) strictly oldest first: a later PUBACK waits behind an
/// earlier unconfirmed packet. Over a link with round-trip time R this sends up to <c>capacity</c> packets per R
/// instead of one.
/// </summary>
public sealed class PublishWindow
{
    private readonly Queue<InFlight> _inFlight = new();

    public PublishWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => _inFlight.Count;

    public bool IsFull => _inFlight.Count >= Capacity;

    /// <summary>Adds a packet whose publish has started; <paramref name="publish"/> completes on its confirmation.</summary>
    public void Add(SpoolRecord record, Task publish)
    {
        ArgumentNullException.ThrowIfNull(publish);
        if (IsFull)
        {
            throw new InvalidOperationException($"The window already holds {Capacity} packets.");
        }

        _inFlight.Enqueue(new InFlight(record, publish));
    }

    /// <summary>
    /// Waits for the oldest packet's confirmation and removes it. Throws that publish's failure (the packet stays in
    /// the window; see <see cref="AbandonAsync"/>).
    /// </summary>
    public async Task<SpoolRecord> CompleteOldestAsync(CancellationToken cancellationToken)
    {
        var oldest = _inFlight.Peek();
        await oldest.Publish.WaitAsync(cancellationToken).ConfigureAwait(false);
        _inFlight.Dequeue();
        return oldest.Record;
    }

    /// <summary>
    /// After a failure: waits for every publish in flight to settle, empties the window and returns its packets in
    /// order, each with whether the broker confirmed it anyway (those need not be sent again).
    /// </summary>
    public async Task<IReadOnlyList<(SpoolRecord Record, bool Confirmed)>> AbandonAsync(CancellationToken cancellationToken)
    {
        var result = new List<(SpoolRecord, bool)>(_inFlight.Count);
        while (_inFlight.TryDequeue(out var item))
        {
            try
            {
                await item.Publish.WaitAsync(cancellationToken).ConfigureAwait(false);
                result.Add((item.Record, true));
            }
            catch (DeliveryException)
            {
                result.Add((item.Record, false));
            }
        }

        return result;
    }

    private readonly record struct InFlight(SpoolRecord Record, Task Publish);
}
