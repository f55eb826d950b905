using Zamio.Shared.Plays;

namespace Zamio.Central.Plays;

/// <summary>
/// The final plays of a stream matched offline (a recording, archived packets), from the tracker's updates. A closed
/// play can still change: it grows when a later play turns out to be part of its airing, and is withdrawn when a
/// longer airing closes around it (a shared section).
/// </summary>
internal sealed class PlayCollector
{
    private readonly List<Play> _closed = [];

    /// <summary>Per play id, the frame by which a live stream would first have shown the play.</summary>
    public Dictionary<long, long> FirstReported { get; } = [];

    /// <summary>Plays shown and later retracted, with the frame of their retraction.</summary>
    public List<(Play Play, long RetractedAt)> Withdrawn { get; } = [];

    /// <summary>The closed plays so far, in start order.</summary>
    public List<Play> Closed => [.. _closed.OrderBy(p => p.StartFrame)];

    public void Keep(Play play, long decidedAt)
    {
        FirstReported.TryAdd(play.Id, decidedAt);
        if (play.Status != PlayStatus.Ongoing)
        {
            _closed.RemoveAll(p => p.Id == play.Id);
        }

        Withdrawn.RemoveAll(w => w.Play.Id == play.Id);
        if (play.Status == PlayStatus.Closed)
        {
            _closed.Add(play);
        }
        else if (play.Status == PlayStatus.Retracted)
        {
            Withdrawn.Add((play, decidedAt));
        }
    }
}
