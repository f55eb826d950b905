using StackExchange.Redis;

namespace Zamio.Central.Caching;

/// <summary>
/// Tells every instance that tracks' descriptions (title, artist, ISRC) changed, so each drops its copy of them at once.
/// No index changes, so unlike <see cref="ICatalogChangeFeed"/> there is no catalogue version: a missed announcement
/// only means the copy is read again when it is <see cref="Catalog.TrackMetadataCache.MaxAge"/> old.
/// </summary>
public interface IDescriptionChanges
{
    /// <summary>Raised on this instance when it or another one changed descriptions.</summary>
    event Action? Changed;

    /// <summary>Announces descriptions this instance (or a command line) has written to the store.</summary>
    Task PublishAsync(IReadOnlyCollection<string> trackIds, CancellationToken cancellationToken);
}

/// <summary>Embedded mode: one process.</summary>
public sealed class InProcessDescriptionChanges : IDescriptionChanges
{
    public event Action? Changed;

    public Task PublishAsync(IReadOnlyCollection<string> trackIds, CancellationToken cancellationToken)
    {
        Changed?.Invoke();
        return Task.CompletedTask;
    }
}

/// <summary>Redis mode: the changed ids are published on <c>{prefix}:catalog:described</c>, which every instance subscribes to.</summary>
public sealed partial class RedisDescriptionChanges : IDescriptionChanges
{
    private readonly RedisConnection _redis;
    private readonly ILogger<RedisDescriptionChanges> _logger;

    public RedisDescriptionChanges(RedisConnection redis, ILogger<RedisDescriptionChanges> logger)
    {
        _redis = redis;
        _logger = logger;
        // Subscriptions are restored by the multiplexer after a reconnect.
        redis.Multiplexer.GetSubscriber().Subscribe(ChannelName(redis), (_, _) => Changed?.Invoke(), CommandFlags.FireAndForget);
    }

    public event Action? Changed;

    public static RedisChannel ChannelName(RedisConnection redis) => redis.Channel("catalog:described");

    public async Task PublishAsync(IReadOnlyCollection<string> trackIds, CancellationToken cancellationToken)
    {
        // This instance drops its copy whatever Redis does; its own message coming back drops it once more, harmlessly.
        Changed?.Invoke();
        try
        {
            await _redis.Database.PublishAsync(ChannelName(_redis), string.Join('\n', trackIds)).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
        {
            LogPublishFailed(_logger, ex, trackIds.Count);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not announce {Count} changed description(s) on Redis; other instances show them once their copy is 5 s old")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, int count);
}
