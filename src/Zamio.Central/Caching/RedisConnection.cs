using StackExchange.Redis;

namespace Zamio.Central.Caching;

/// <summary>
/// The one <see cref="ConnectionMultiplexer"/> of the process. It starts even when Redis is down and reconnects in
/// the background; callers check <see cref="IsConnected"/> and fall back to in-process state meanwhile.
/// </summary>
public sealed partial class RedisConnection : IDisposable
{
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lazy<ConnectionMultiplexer> _bulk;

    public RedisConnection(string configuration, RedisOptions options, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        Prefix = options.KeyPrefix;
        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = options.ConnectTimeoutMilliseconds;
        // A dead Redis must cost ingest a second at most, then the fallbacks take over.
        config.SyncTimeout = 1_000;
        config.AsyncTimeout = 1_000;
        config.ConnectRetry = 1;
        config.ClientName ??= "zamio-central";
        Multiplexer = ConnectionMultiplexer.Connect(config);
        var bulk = config.Clone();
        bulk.SyncTimeout = options.SnapshotTimeoutMilliseconds;
        bulk.AsyncTimeout = options.SnapshotTimeoutMilliseconds;
        bulk.ClientName = config.ClientName + "-bulk";
        _bulk = new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(bulk));
        Multiplexer.ConnectionFailed += (_, e) => LogConnectionFailed(_logger, e.EndPoint?.ToString() ?? "?", e.FailureType.ToString());
        Multiplexer.ConnectionRestored += (_, e) => LogConnectionRestored(_logger, e.EndPoint?.ToString() ?? "?");
        if (!Multiplexer.IsConnected)
        {
            LogStartedDisconnected(_logger, configuration);
        }
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public string Prefix { get; }

    public bool IsConnected => Multiplexer.IsConnected;

    public IDatabase Database => Multiplexer.GetDatabase();

    /// <summary>
    /// A second connection for index snapshots (tens of megabytes a command): a longer timeout, and the transfer does
    /// not queue ahead of rate-limit and change-feed commands on the main connection. Connected on first use.
    /// </summary>
    public IDatabase BulkDatabase => _bulk.Value.GetDatabase();

    public RedisKey Key(string suffix) => $"{Prefix}:{suffix}";

    public RedisChannel Channel(string suffix) => RedisChannel.Literal($"{Prefix}:{suffix}");

    public void Dispose()
    {
        Multiplexer.Dispose();
        if (_bulk.IsValueCreated)
        {
            _bulk.Value.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis connection to {Endpoint} failed ({Failure}); using in-process index and limiter until it returns")]
    private static partial void LogConnectionFailed(ILogger logger, string endpoint, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection to {Endpoint} restored")]
    private static partial void LogConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis ({Configuration}) is not reachable at start; running degraded")]
    private static partial void LogStartedDisconnected(ILogger logger, string configuration);
}
