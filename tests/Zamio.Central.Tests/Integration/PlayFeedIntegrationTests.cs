using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using Zamio.Central.Caching;
using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class PlayFeedIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Publish_OnOneInstance_ReachesTheOthersSubscribersThroughRedisAndItsOwnOnce()
    {
        var redis = await TestServers.RedisAsync(output);
        if (redis is null)
        {
            return;
        }

        var options = new RedisOptions { KeyPrefix = redis.Value.Prefix };
        using var first = new RedisConnection(redis.Value.Configuration, options, NullLogger<RedisConnection>.Instance);
        using var second = new RedisConnection(redis.Value.Configuration, options, NullLogger<RedisConnection>.Instance);
        using var storing = new PlayFeed(first, NullLogger<PlayFeed>.Instance);
        using var other = new PlayFeed(second, NullLogger<PlayFeed>.Instance);
        using var here = storing.Subscribe(null);
        using var there = other.Subscribe("joy-fm");
        await TestServers.WaitForSubscribersAsync(first, PlayFeed.ChannelName(first), 2);
        var start = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        var play = new PlayRecord("joy-fm", "joy-fm/1-0/1", "song1", start, start.AddMinutes(3), 0.99, 1.0002, "closed");

        storing.Publish([play with { Station = "kiss-fm", PlayKey = "kiss-fm/1-0/1" }, play]);

        Assert.True(await there.Plays.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(there.Plays.TryRead(out var received));
        Assert.Equal(play, received);
        // Its own instance delivered both at once. Redis keeps a connection's messages in order, so once the other
        // instance's marker arrives here, the echo of this instance's own message has come too, and added nothing.
        other.Publish([play with { Station = "marker-fm", PlayKey = "marker-fm/1-0/1" }]);
        var seenHere = new List<string>();
        while (!seenHere.Contains("marker-fm"))
        {
            Assert.True(await here.Plays.WaitToReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            while (here.Plays.TryRead(out var next))
            {
                seenHere.Add(next.Station);
            }
        }

        Assert.Equal(["kiss-fm", "joy-fm", "marker-fm"], seenHere);
    }
}
