using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;
using Zamio.Central.Caching;

namespace Zamio.Central.Plays;

/// <summary>
/// Plays as they are stored, for <c>GET /api/v1/plays/live</c>: every write of a play (shown, grown, closed, withdrawn)
/// reaches the subscribers of this instance and, with Redis configured, of every instance (channel
/// <c>{prefix}:plays</c>), whichever instance matched the station.
/// </summary>
public sealed partial class PlayFeed : IDisposable
{
    /// <summary>Plays a subscriber may fall behind by; past that the oldest go and the subscriber is told how many.</summary>
    public const int SubscriberCapacity = 10_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentDictionary<PlaySubscription, byte> _subscribers = new();
    private readonly RedisConnection? _redis;
    private readonly ILogger<PlayFeed> _logger;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private int _publishFailing;
    private long _missed;

    public PlayFeed(RedisConnection? redis, ILogger<PlayFeed> logger)
    {
        _redis = redis;
        _logger = logger;
        // Subscriptions are restored by the multiplexer after a reconnect.
        redis?.Multiplexer.GetSubscriber().Subscribe(ChannelName(redis), (_, message) => Received(message), CommandFlags.FireAndForget);
    }

    public static RedisChannel ChannelName(RedisConnection redis) => redis.Channel("plays");

    public int Subscribers => _subscribers.Count;

    /// <summary>Plays dropped for subscribers that fell behind, since start.</summary>
    public long Missed => Interlocked.Read(ref _missed);

    /// <summary>Plays of <paramref name="station"/> (every station when null) from now on, until disposed.</summary>
    public PlaySubscription Subscribe(string? station)
    {
        var subscription = new PlaySubscription(station, this);
        _subscribers[subscription] = 0;
        return subscription;
    }

    /// <summary>Plays just stored by this instance.</summary>
    public void Publish(IReadOnlyList<PlayRecord> plays)
    {
        if (plays.Count == 0)
        {
            return;
        }

        Deliver(plays);
        if (_redis is null)
        {
            return;
        }

        try
        {
            var message = JsonSerializer.Serialize(new FeedMessage(_instance, plays), Json);
            _redis.Database.Publish(ChannelName(_redis), message, CommandFlags.FireAndForget);
            Interlocked.Exchange(ref _publishFailing, 0);
        }
        catch (Exception ex) when (RedisFailure.IsUnavailable(ex))
        {
            if (Interlocked.Exchange(ref _publishFailing, 1) == 0)
            {
                LogPublishFailed(_logger, ex);
            }
        }
    }

    public void Dispose()
    {
        foreach (var subscription in _subscribers.Keys)
        {
            subscription.Dispose();
        }
    }

    internal void Remove(PlaySubscription subscription) => _subscribers.TryRemove(subscription, out _);

    internal void CountMissed() => Interlocked.Increment(ref _missed);

    private void Received(RedisValue message)
    {
        FeedMessage? feed;
        try
        {
            feed = JsonSerializer.Deserialize<FeedMessage>((string)message!, Json);
        }
        catch (JsonException)
        {
            return;
        }

        // This instance's own plays were delivered when it stored them.
        if (feed is { Plays: { } plays } && feed.Instance != _instance)
        {
            Deliver(plays);
        }
    }

    private void Deliver(IReadOnlyList<PlayRecord> plays)
    {
        foreach (var subscription in _subscribers.Keys)
        {
            subscription.Offer(plays);
        }
    }

    private sealed record FeedMessage(string Instance, IReadOnlyList<PlayRecord> Plays);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish plays on Redis; live subscribers of other instances miss them until it answers")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception);
}

/// <summary>One subscriber's plays, in the order they were stored.</summary>
public sealed class PlaySubscription : IDisposable
{
    private readonly string? _station;
    private readonly PlayFeed _feed;
    private readonly Channel<PlayRecord> _plays;
    private long _missed;

    internal PlaySubscription(string? station, PlayFeed feed)
    {
        _station = station;
        _feed = feed;
        _plays = Channel.CreateBounded<PlayRecord>(
            new BoundedChannelOptions(PlayFeed.SubscriberCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest },
            _ =>
            {
                Interlocked.Increment(ref _missed);
                feed.CountMissed();
            });
    }

    public ChannelReader<PlayRecord> Plays => _plays.Reader;

    /// <summary>Plays dropped since the last call because the subscriber fell behind.</summary>
    public long TakeMissed() => Interlocked.Exchange(ref _missed, 0);

    public void Dispose()
    {
        _feed.Remove(this);
        _plays.Writer.TryComplete();
    }

    internal void Offer(IReadOnlyList<PlayRecord> plays)
    {
        foreach (var play in plays)
        {
            if (_station is null || play.Station == _station)
            {
                _plays.Writer.TryWrite(play);
            }
        }
    }
}
