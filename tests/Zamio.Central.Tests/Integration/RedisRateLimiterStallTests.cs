using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;
using Zamio.Central.Caching;
using Zamio.Central.Tests.Caching;

namespace Zamio.Central.Tests.Integration;

// Alone: it times Redis's answers against the 1 s timeout, and other tests' large snapshots keep Redis busy for longer.
[CollectionDefinition(nameof(RedisRateLimiterStallTests), DisableParallelization = true)]
[Collection(nameof(RedisRateLimiterStallTests))]
[Trait("Category", "Integration")]
public sealed class RedisRateLimiterStallTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CheckAsync_RedisStopsAnswering_OneTimeoutThenLocalLimiterUntilRetry()
    {
        var redis = await TestServers.RedisAsync(output);
        if (redis is null)
        {
            return;
        }

        await using var proxy = StallingProxy.ForRedis(redis.Value.Configuration);
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 5, 1, 12, 0, 30, TimeSpan.Zero));
        // A limit this small is decided in Redis packet by packet: the path that waits for a reply.
        var options = Options.Create(new RateLimitOptions { PacketsPerMinute = 10, PeaksPerSecond = 0 });
        using var connection = new RedisConnection(proxy.Configuration, new RedisOptions { KeyPrefix = redis.Value.Prefix }, NullLogger<RedisConnection>.Instance);
        try
        {
            var limiter = new RedisRateLimiter(connection, new LocalRateLimiter(options, time), options, time, NullLogger<RedisRateLimiter>.Instance);
            Assert.Equal(RateLimitVerdict.Allowed, await limiter.CheckAsync("st-stall", 20, 0));
            Assert.True(limiter.IsShared);

            proxy.Stall();
            var clock = Stopwatch.StartNew();
            var verdicts = await Verdicts.OfAsync(20, _ => limiter.CheckAsync("st-stall", 20, 0));
            clock.Stop();

            // The first call waits out the 1 s timeout; the other 19 are decided here without asking (asking would have
            // cost 19 more timeouts). The local limiter still enforces the limit on its own count.
            Assert.Equal(20, limiter.Fallbacks);
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
            Assert.Equal(10, verdicts.Count(v => v == RateLimitVerdict.Allowed));
            Assert.False(limiter.IsShared);

            // Once the held replies are through, Redis is asked again after the rest period.
            proxy.Resume();
            await connection.Database.PingAsync();
            time.Advance(RedisRateLimiter.RetryAfter);
            Assert.True(limiter.IsShared);
            Assert.Equal(RateLimitVerdict.Allowed, await limiter.CheckAsync("st-stall", 20, 0));
            Assert.Equal(20, limiter.Fallbacks);
            // Redis counted the first call, the one that timed out (the request reached it), and this one.
            var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
            await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.Value.Configuration);
            Assert.Equal(3, (long)await direct.GetDatabase().StringGetAsync(connection.Key($"rl:st-stall:m:{minute}")));
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }
}
