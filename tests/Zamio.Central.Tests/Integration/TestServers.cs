using System.Net;
using System.Net.Sockets;
using Dapper;
using Microsoft.Extensions.Configuration;
using Npgsql;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Zamio.Central.Tests.Integration;

/// <summary>
/// Real PostgreSQL and Redis for integration tests, from <c>ZAMIO_TEST_PG</c> and <c>ZAMIO_TEST_REDIS</c>. An
/// unreachable server skips the test with a visible message, except under <c>CI=true</c>, where it fails.
/// </summary>
internal static class TestServers
{
    public const string DefaultPostgres = "Host=127.0.0.1;Username=zamio;Password=zamio;Database=zamio";
    public const string DefaultRedis = "127.0.0.1:6379";

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A fresh schema on the test server (dropped on dispose), or null when the server is unreachable.</summary>
    public static async Task<PostgresSchema?> PostgresAsync(ITestOutputHelper output)
    {
        var baseConnection = Environment.GetEnvironmentVariable("ZAMIO_TEST_PG") is { Length: > 0 } env ? env : DefaultPostgres;
        // A server that is absent refuses at once; this only bounds a slow one. Under CI the test classes open their first
        // connections together on two busy cores, and 3 s was once too short for a present server.
        var builder = new NpgsqlConnectionStringBuilder(baseConnection) { Timeout = 15 };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            var schema = "zamio_test_" + Guid.NewGuid().ToString("N")[..12];
            await connection.ExecuteAsync($"CREATE SCHEMA {schema}");
            builder.SearchPath = schema;
            return new PostgresSchema(baseConnection, schema, builder.ConnectionString);
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException)
        {
            Unavailable(output, "PostgreSQL", baseConnection, ex);
            return null;
        }
    }

    /// <summary>Settings of an instance on the test PostgreSQL schema and Redis prefix.</summary>
    /// <summary>What a CLI verb reads to act on the PostgreSQL deployment (no Redis).</summary>
    public static IConfiguration PostgresDeployment(PostgresSchema pg) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = pg.ConnectionString })
            .Build();

    public static Dictionary<string, string?> SharedDeployment(PostgresSchema pg, (string Configuration, string Prefix) redis) => new()
    {
        ["ConnectionStrings:Postgres"] = pg.ConnectionString,
        ["ConnectionStrings:Redis"] = redis.Configuration,
        ["Zamio:Redis:KeyPrefix"] = redis.Prefix,
    };

    /// <summary>The Redis configuration string and a unique key prefix, or null when Redis is unreachable.</summary>
    public static async Task<(string Configuration, string Prefix)?> RedisAsync(ITestOutputHelper output)
    {
        var configuration = Environment.GetEnvironmentVariable("ZAMIO_TEST_REDIS") is { Length: > 0 } env ? env : DefaultRedis;
        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            options.ConnectTimeout = 10_000;
            await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(options);
            await multiplexer.GetDatabase().PingAsync();
            return (configuration, "zamio-test-" + Guid.NewGuid().ToString("N")[..12]);
        }
        catch (Exception ex) when (ex is RedisException or SocketException or TimeoutException)
        {
            Unavailable(output, "Redis", configuration, ex);
            return null;
        }
    }

    /// <summary>Deletes every key under the prefix.</summary>
    /// <summary>Waits until <paramref name="count"/> connections subscribe to the channel (subscriptions are made in the background).</summary>
    public static async Task WaitForSubscribersAsync(Zamio.Central.Caching.RedisConnection connection, RedisChannel channel, long count)
    {
        var server = connection.Multiplexer.GetServers()[0];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((long)(await server.ExecuteAsync("PUBSUB", "NUMSUB", channel.ToString()))[1] < count)
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    public static async Task CleanRedisAsync(string configuration, string prefix)
    {
        await using var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration);
        foreach (var server in multiplexer.GetServers())
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + ":*"))
            {
                await multiplexer.GetDatabase().KeyDeleteAsync(key);
            }
        }
    }

    /// <summary>A loopback port with nothing listening (a stopped server).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Unavailable(ITestOutputHelper output, string server, string where, Exception ex)
    {
        var message = $"SKIPPED: {server} at '{where}' is unreachable ({ex.GetType().Name}: {ex.Message}); start it with scripts/services.sh start";
        if (InCi)
        {
            Assert.Fail(message);
        }

        output.WriteLine(message);
        Console.Error.WriteLine(message);
    }
}

internal sealed class PostgresSchema(string baseConnection, string schema, string connectionString) : IAsyncDisposable
{
    private NpgsqlDataSource? _migrated;

    public string Schema => schema;

    /// <summary>Connection string whose search path is the test's own schema.</summary>
    public string ConnectionString => connectionString;

    /// <summary>A data source on the schema with every migration applied (disposed with the schema).</summary>
    public async Task<NpgsqlDataSource> MigratedAsync()
    {
        _migrated ??= NpgsqlDataSource.Create(connectionString);
        await Zamio.Central.Storage.PostgresMigrations.ApplyAsync(_migrated, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        return _migrated;
    }

    public async ValueTask DisposeAsync()
    {
        if (_migrated is not null)
        {
            await _migrated.DisposeAsync();
        }

        await using var connection = new NpgsqlConnection(baseConnection);
        await connection.OpenAsync();
        await connection.ExecuteAsync($"DROP SCHEMA IF EXISTS {schema} CASCADE");
    }
}
