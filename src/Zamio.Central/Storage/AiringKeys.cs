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
    internal const int Capacity = 50_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Station, string PlayKey), string> _written = [];

    /// <summary>
    /// The rows to write for <paramref name="plays"/>, each under the key its rows go (a play that is another session's
    /// stored airing takes that row's key, and its retraction is dropped: only the session that wrote a row may withdraw
    /// it), and what was learned, for <see cref="Remember"/> once the rows are committed. <paramref name="lookUp"/> is
    /// asked once, for the plays whose key is not known yet, and answers the stored airing's key of those that have one.
    /// </summary>
    public async Task<(IReadOnlyCollection<PlayRecord> Rows, List<(PlayRecord Play, string Key)> Learned)> ResolveAsync(
        IReadOnlyCollection<PlayRecord> plays, Func<List<PlayRecord>, Task<IReadOnlyDictionary<(string Station, string PlayKey), string>>> lookUp)
    {
        var onto = new Dictionary<(string Station, string PlayKey), string>();
        var unknown = new List<PlayRecord>();
        foreach (var play in plays)
        {
            if (!TryGet(play, out var known))
            {
                unknown.Add(play);
            }
            else if (known != play.PlayKey)
            {
                onto[(play.Station, play.PlayKey)] = known;
            }
        }

        var learned = new List<(PlayRecord, string)>(unknown.Count);
        if (unknown.Count > 0)
        {
            var found = await lookUp(unknown).ConfigureAwait(false);
            foreach (var play in unknown)
            {
                var key = found.GetValueOrDefault((play.Station, play.PlayKey)) ?? play.PlayKey;
                learned.Add((play, key));
                if (key != play.PlayKey)
                {
                    onto[(play.Station, play.PlayKey)] = key;
                }
            }
        }

        return (onto.Count == 0 ? plays : Onto(plays, onto), learned);
    }

    private bool TryGet(PlayRecord play, out string key)
    {
        lock (_gate)
        {
            return _written.TryGetValue((play.Station, play.PlayKey), out key!);
        }
    }

    // One row per key; when a row's own session updates it in the same batch, that update is the one written: the row is
    // its session's to close.
    private static List<PlayRecord> Onto(IReadOnlyCollection<PlayRecord> plays, Dictionary<(string Station, string PlayKey), string> onto)
    {
        var written = new Dictionary<(string, string), PlayRecord>();
        foreach (var play in plays.Where(p => !onto.ContainsKey((p.Station, p.PlayKey))))
        {
            written[(play.Station, play.PlayKey)] = play;
        }

        foreach (var play in plays.Where(p => p.Status != "retracted"))
        {
            if (onto.TryGetValue((play.Station, play.PlayKey), out var key))
            {
                written.TryAdd((play.Station, key), play with { PlayKey = key });
            }
        }

        return [.. written.Values];
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
