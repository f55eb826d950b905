using Zamio.Shared.Plays;

namespace Zamio.Central.Plays;

/// <summary>
/// The final plays of a stream matched offline (a recording, archived packets), from the tracker's updates. A closed
/// play can still change: it grows when a later play turns out to be part of its airing, and is withdrawn when a
/// longer airing closes around it (a shared section).
/// </summary>
internal sealed class PlayCollector
{
    // By play id, so an update replaces its play in constant time (a month of archive is tens of thousands of plays);
    // the sequence keeps the order of the last updates for plays that start, or are withdrawn, at the same frame.
    private readonly Dictionary<long, (Play Play, long Sequence)> _closed = [];
    private readonly Dictionary<long, (Play Play, long RetractedAt, long Sequence)> _withdrawn = [];
    private long _sequence;

    /// <summary>Per play id, the frame by which a live stream would first have shown the play.</summary>
    public Dictionary<long, long> FirstReported { get; } = [];

    /// <summary>Plays shown and later retracted, with the frame of their retraction, in the order of retraction.</summary>
    public List<(Play Play, long RetractedAt)> Withdrawn =>
        [.. _withdrawn.Values.OrderBy(w => w.Sequence).Select(w => (w.Play, w.RetractedAt))];

    /// <summary>The closed plays so far, in start order.</summary>
    public List<Play> Closed => [.. _closed.Values.OrderBy(c => c.Play.StartFrame).ThenBy(c => c.Sequence).Select(c => c.Play)];

    public void Keep(Play play, long decidedAt)
    {
        FirstReported.TryAdd(play.Id, decidedAt);
        if (play.Status != PlayStatus.Ongoing)
        {
            _closed.Remove(play.Id);
        }

        _withdrawn.Remove(play.Id);
        if (play.Status == PlayStatus.Closed)
        {
            _closed[play.Id] = (play, ++_sequence);
        }
        else if (play.Status == PlayStatus.Retracted)
        {
            _withdrawn[play.Id] = (play, decidedAt, ++_sequence);
        }
    }
}
