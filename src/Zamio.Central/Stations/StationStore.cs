using System.Security.Cryptography;
using Dapper;
using Zamio.Central.Hosting;
using Zamio.Shared.Wire;

namespace Zamio.Central.Stations;

/// <summary>Station credentials: a random 32-byte key shown once, stored as SHA-256 over a per-station salt and the key.</summary>
public sealed class StationStore(CentralDatabase database, TimeProvider time)
{
    private const int KeyBytes = 32;
    private const int SaltBytes = 16;

    /// <summary>Creates a station (or replaces its key) and returns the new key in base64url.</summary>
    public string Add(string stationId)
    {
        StationIds.Validate(stationId, nameof(stationId));
        var key = Base64Url(RandomNumberGenerator.GetBytes(KeyBytes));
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        using var connection = database.Connect();
        connection.Execute(
            """
            INSERT INTO stations (id, key_salt, key_hash, created_at) VALUES (@stationId, @salt, @hash, @createdAt)
            ON CONFLICT(id) DO UPDATE SET key_salt = excluded.key_salt, key_hash = excluded.key_hash
            """,
            new { stationId, salt, hash = Hash(salt, key), createdAt = time.GetUtcNow().ToString("O") });
        return key;
    }

    public bool Verify(string? stationId, string? key)
    {
        if (!StationIds.IsValid(stationId) || string.IsNullOrEmpty(key) || key.Length > 256)
        {
            return false;
        }

        using var connection = database.Connect();
        var row = connection.QuerySingleOrDefault<KeyRow>(
            "SELECT key_salt AS Salt, key_hash AS Hash FROM stations WHERE id = @stationId", new { stationId });
        return row is not null && CryptographicOperations.FixedTimeEquals(row.Hash, Hash(row.Salt, key));
    }

    public IReadOnlyList<string> List()
    {
        using var connection = database.Connect();
        return [.. connection.Query<string>("SELECT id FROM stations ORDER BY id")];
    }

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

    private sealed record KeyRow(byte[] Salt, byte[] Hash);
}
