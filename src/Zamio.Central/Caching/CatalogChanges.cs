using System.Globalization;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Zamio.Central.Caching;

public enum CatalogChangeKind
{
    Added,
    Removed,
}

/// <summary>A track added (or replaced) or removed; <see cref="Version"/> is the catalogue version after it (0 in-process).</summary>
public sealed record CatalogChange(CatalogChangeKind Kind, string TrackId, long Version)
{
    public string Encode() => string.Create(CultureInfo.InvariantCulture, $"{Version}|{(Kind == CatalogChangeKind.Added ? "add" : "remove")}|{TrackId}");

    public static CatalogChange? Decode(string? text)
    {
        var parts = text?.Split('|', 3);
        if (parts is not { Length: 3 } || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var version) || parts[2].Length == 0)
        {
            return null;
        }

        return parts[1] switch
        {
            "add" => new CatalogChange(CatalogChangeKind.Added, parts[2], version),
            "remove" => new CatalogChange(CatalogChangeKind.Removed, parts[2], version),
            _ => null,
        };
    }
}

/// <summary>Tells every instance (this one included) that the catalogue changed, so each rebuilds its index.</summary>
public interface ICatalogChangeFeed
{
    /// <summary>Changes for this instance's index, in arrival order.</summary>
    ChannelReader<CatalogChange> Changes { get; }

    /// <summary>
    /// Tells the other instances; returns the change with its catalogue version (0 when not shared). <paramref name="known"/>
    /// is the highest version the caller has seen: a counter that Redis lost restarts above it.
    /// </summary>
    Task<CatalogChange> PublishAsync(CatalogChangeKind kind, string trackId, long known, CancellationToken cancellationToken);
}

/// <summary>Embedded mode: one process; the caller applies the change to this instance's index itself.</summary>
public sealed class InProcessCatalogChangeFeed : ICatalogChangeFeed
{
    private readonly Channel<CatalogChange> _changes = Channel.CreateUnbounded<CatalogChange>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<CatalogChange> Changes => _changes.Reader;

    public Task<CatalogChange> PublishAsync(CatalogChangeKind kind, string trackId, long known, CancellationToken cancellationToken) =>
        Task.FromResult(new CatalogChange(kind, trackId, 0));
}

/// <summary>
/// Redis mode: <c>{prefix}:catalog:version</c> is incremented and the change published on
/// <c>{prefix}:catalog:changes</c>; every subscribed instance receives it (the publisher skips its own, already
/// applied). When Redis is down the others catch up by comparing versions once it returns.
/// </summary>
public sealed partial class RedisCatalogChangeFeed : ICatalogChangeFeed
{
    private readonly Channel<CatalogChange> _changes = Channel.CreateUnbounded<CatalogChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RedisConnection _redis;
    private readonly ILogger<RedisCatalogChangeFeed> _logger;

    public RedisCatalogChangeFeed(RedisConnection redis, ILogger<RedisCatalogChangeFeed> logger)
    {
        _redis = redis;
        _logger = logger;
        // Subscriptions are restored by the multiplexer after a reconnect.
        redis.Multiplexer.GetSubscriber().Subscribe(ChannelName(redis), (_, message) =>
        {
            if (CatalogChange.Decode(message) is { } change)
            {
                _changes.Writer.TryWrite(change);
            }
        }, CommandFlags.FireAndForget);
    }

    public ChannelReader<CatalogChange> Changes => _changes.Reader;

    public static RedisChannel ChannelName(RedisConnection redis) => redis.Channel("catalog:changes");

    public static RedisKey VersionKey(RedisConnection redis) => redis.Key("catalog:version");

    // A Redis that restarted empty would count from 1 again, under versions every instance has applied and skips.
    private const string IncrementAbove = """
        if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
        return redis.call('INCR', KEYS[1])
        """;

    public async Task<CatalogChange> PublishAsync(CatalogChangeKind kind, string trackId, long known, CancellationToken cancellationToken)
    {
        try
        {
            var db = _redis.Database;
            var version = (long)await db.ScriptEvaluateAsync(IncrementAbove, [VersionKey(_redis)], [known]).ConfigureAwait(false);
            var change = new CatalogChange(kind, trackId, version);
            await db.PublishAsync(ChannelName(_redis), change.Encode()).ConfigureAwait(false);
            return change;
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
        {
            LogPublishFailed(_logger, ex, trackId);
            return new CatalogChange(kind, trackId, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the catalogue change of {Track} on Redis; other instances catch up when it returns")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string track);
}
