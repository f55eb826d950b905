using Zamio.Central.Plays;

namespace Zamio.Central.Storage;

/// <summary>
/// Where a play key's rows go, as a play store learned it: under the key itself, or onto a stored airing's key (see
/// <see cref="PlaySql.SameAiring"/>). A play is upserted every few seconds while it is on air; only its first write needs
/// the database to say which. Bounded: past the capacity it starts afresh, which costs only those lookups again.
/// </summary>
internal sealed class AiringKeys
{
    // About 10 MB; 2,000 stations fill it in under two hours, after which each play on air asks once more.
    private const int Capacity = 50_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Station, string PlayKey), string> _written = [];

    /// <summary>The key this play's rows are written under, when known.</summary>
    public bool TryGet(PlayRecord play, out string key)
    {
        lock (_gate)
        {
            return _written.TryGetValue((play.Station, play.PlayKey), out key!);
        }
    }

    /// <summary>Call once the rows are committed.</summary>
    public void Remember(IEnumerable<(PlayRecord Play, string Key)> written)
    {
        lock (_gate)
        {
            if (_written.Count > Capacity)
            {
                _written.Clear();
            }

            foreach (var (play, key) in written)
            {
                _written[(play.Station, play.PlayKey)] = key;
            }
        }
    }
}
