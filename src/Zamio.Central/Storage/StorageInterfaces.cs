using Zamio.Central.Catalog;
using Zamio.Central.Plays;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Storage;

/// <summary>A station's stored credential: the salt and SHA-256 hash of its key (the key itself is never stored).</summary>
public sealed record StationCredential(string Id, byte[] Salt, byte[] Hash);

/// <summary>Where stations live: the embedded SQLite file or PostgreSQL.</summary>
public interface IStationStore
{
    /// <summary>Creates the station or replaces its key.</summary>
    void Save(StationCredential credential, DateTimeOffset createdAt);

    StationCredential? Find(string stationId);

    IReadOnlyList<string> List();

    /// <summary>Every station's salt and hash in one read (finding which station a key belongs to).</summary>
    IReadOnlyList<StationCredential> Credentials();

    /// <summary>Deletes the station's credentials (its plays stay); false when there was no such station.</summary>
    bool Remove(string stationId);
}

/// <summary>
/// Where plays live. Upserts are idempotent: one row per (station, play key). A play's end never moves back: a
/// write is taken for evidence past the stored end, or at the same end while the play is not closed (closing it,
/// a better confidence), or as a retraction. So a replay of older state changes nothing, a closed play only
/// reopens for evidence past its end (a stream resuming after an idle close), and when another session carries a
/// play on (a restart, a station moving between instances), the idle close of the session it left cannot cut it short.
/// </summary>
public interface IPlayStore
{
    Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Plays overlapping [from, to), optionally for one station, by start time then play key; with
    /// <paramref name="after"/>, only those listed after it (the next page).
    /// </summary>
    IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null);

    /// <summary>The station's plays stored as ongoing (left by an earlier session when an instance stopped).</summary>
    IReadOnlyList<PlayRecord> Ongoing(string station);

    /// <summary>
    /// Airtime per station and track of the plays that began in [from, to) (retracted ones left out), optionally for
    /// one station, by station then track. A play counts in the period it began in, so consecutive periods add up.
    /// </summary>
    IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to);

    /// <summary>
    /// Writes closed, at their last evidence, the plays still ongoing whose row nobody has written since
    /// <paramref name="untouchedSince"/>: left by a session no instance runs any more (one stopped mid-play and its
    /// station never sent again). Returns how many.
    /// </summary>
    int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now);
}

/// <summary>One track's packed peaks as stored (the index is rebuilt from these; hashes are never stored).</summary>
public sealed record StoredPeaks(string Id, int FrameCount, int AlgorithmVersion, byte[] Packed)
{
    public TrackPeaks ToTrackPeaks() =>
        TrackPeaks.FromPacked(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(Packed).ToArray(), FrameCount);

    public static StoredPeaks From(string id, int algorithmVersion, TrackPeaks peaks) =>
        new(id, peaks.FrameCount, algorithmVersion, System.Runtime.InteropServices.MemoryMarshal.AsBytes(peaks.Packed).ToArray());
}

/// <summary>The catalogue's truth: tracks with their descriptive fields and packed peaks.</summary>
public interface ICatalogStore
{
    Task UpsertAsync(CatalogTrack track, TrackPeaks peaks, CancellationToken cancellationToken);

    Task<bool> RemoveAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the title, artist and ISRC of catalogued tracks, all in one transaction, leaving their fingerprints alone.
    /// When an id is not catalogued nothing changes, and the ids not catalogued are returned.
    /// </summary>
    Task<IReadOnlyList<string>> DescribeAsync(IReadOnlyDictionary<string, TrackMetadata> tracks, CancellationToken cancellationToken);

    /// <summary>
    /// Sets a track's title, artist and ISRC to <paramref name="replacement"/> if they are still <paramref name="expected"/>;
    /// false, with nothing changed, when another writer changed them meanwhile or the track is gone.
    /// </summary>
    Task<bool> ReplaceDescriptionAsync(string id, TrackMetadata expected, TrackMetadata replacement, CancellationToken cancellationToken);

    Task<IReadOnlyList<CatalogTrack>> ListAsync(CancellationToken cancellationToken);

    /// <summary>At most <paramref name="limit"/> tracks by id, those after <paramref name="after"/> when it is given.</summary>
    Task<IReadOnlyList<CatalogTrack>> PageAsync(string? after, int limit, CancellationToken cancellationToken);

    /// <summary>One catalogued track, or null when the id is not catalogued.</summary>
    Task<CatalogTrack?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>Peaks of the given tracks (all tracks when <paramref name="ids"/> is null), any algorithm version.</summary>
    Task<IReadOnlyList<StoredPeaks>> LoadPeaksAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken);
}
