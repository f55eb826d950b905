using System.Security.Cryptography;
using Zamio.Central.Hosting;
using Zamio.Central.Storage;
using Zamio.Shared.Wire;

namespace Zamio.Central.Stations;

/// <summary>
/// Station credentials: a random 32-byte key shown once, stored as SHA-256 over a per-station salt and the key.
/// Rows live in an <see cref="IStationStore"/> (the embedded file or PostgreSQL).
/// </summary>
public sealed class StationStore
{
    private const int KeyBytes = 32;
    private const int SaltBytes = 16;

    private readonly IStationStore _store;
    private readonly TimeProvider _time;
    private volatile IReadOnlyDictionary<string, StationCredential>? _lastRead;

    public StationStore(IStationStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>The embedded database (CLI verbs and tests).</summary>
    public StationStore(CentralDatabase database, TimeProvider time)
        : this(new SqliteStationStore(database), time)
    {
    }

    /// <summary>Creates a station (or replaces its key) and returns the new key in base64url; refuses reserved ids.</summary>
    public string Add(string stationId)
    {
        if (StationIds.RegistrationError(stationId) is { } error)
        {
            throw new ArgumentException($"Cannot register '{stationId}': {error}.", nameof(stationId));
        }

        var key = Base64Url(RandomNumberGenerator.GetBytes(KeyBytes));
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        _store.Save(new StationCredential(stationId, salt, Hash(salt, key)), _time.GetUtcNow());
        return key;
    }

    public bool Verify(string? stationId, string? key) => IsPlausible(stationId, key) && MatchesStored(stationId!, key!);

    /// <summary>
    /// <see cref="Verify"/> for the broker's logins: against the last complete read of the stations (every few seconds in
    /// a running central, see <see cref="KeyHashes"/>) when it lists the station, so a fleet reconnecting at once does not
    /// query the database login by login, and listed stations still log in while it is down; others are looked up.
    /// A new key or a removal takes effect at the next read, when the broker also disconnects the old login.
    /// </summary>
    public bool VerifyLogin(string? stationId, string? key) =>
        IsPlausible(stationId, key) && (_lastRead is { } read && read.TryGetValue(stationId!, out var listed) ? Matches(listed, key!) : MatchesStored(stationId!, key!));

    /// <summary>The station whose key this is, or null: one read of every credential, hashed here.</summary>
    public string? FindOwner(string key)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 256)
        {
            return null;
        }

        return _store.Credentials().FirstOrDefault(c => Matches(c, key))?.Id;
    }

    public bool Exists(string stationId) => StationIds.IsValid(stationId) && _store.Find(stationId) is not null;

    public IReadOnlyList<string> List() => _store.List();

    /// <summary>
    /// Revokes a station: its key stops working at once for HTTP, and within <see cref="Hosting.ServeOptions.StationCheckSeconds"/>
    /// a running central disconnects it from the embedded broker and refuses its packets. Its plays stay.
    /// </summary>
    public bool Remove(string stationId) => StationIds.IsValid(stationId) && _store.Remove(stationId);

    /// <summary>Every station with its key hash (a new key changes the hash); one read for a periodic check.</summary>
    public IReadOnlyDictionary<string, byte[]> KeyHashes()
    {
        var read = _store.Credentials().ToDictionary(c => c.Id, StringComparer.Ordinal);
        _lastRead = read;
        return read.ToDictionary(c => c.Key, c => c.Value.Hash, StringComparer.Ordinal);
    }

    /// <summary>
    /// Whether the last complete read of the stations (<see cref="KeyHashes"/>, every few seconds in a running central)
    /// listed the station; null when there has been none. Answers for ingest while the store cannot.
    /// </summary>
    public bool? ListedAtLastRead(string stationId) => _lastRead?.ContainsKey(stationId);

    // Anything else cannot be a station's id and key: refused without a read or a hash.
    private static bool IsPlausible(string? stationId, string? key) =>
        StationIds.IsValid(stationId) && !string.IsNullOrEmpty(key) && key.Length <= 256;

    private bool MatchesStored(string stationId, string key) => _store.Find(stationId) is { } row && Matches(row, key);

    private static bool Matches(StationCredential credential, string key) =>
        CryptographicOperations.FixedTimeEquals(credential.Hash, Hash(credential.Salt, key));

    private static byte[] Hash(byte[] salt, string key)
    {
        var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
        var input = new byte[salt.Length + keyBytes.Length];
        salt.CopyTo(input, 0);
        keyBytes.CopyTo(input, salt.Length);
        return SHA256.HashData(input);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
