using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;
using Zamio.Central.Api;
using Zamio.Central.Caching;

namespace Zamio.Central.Tests.Integration;

/// <summary>Upload limits shared by instances through Redis (real server, see <see cref="TestServers"/>).</summary>
[Trait("Category", "Integration")]
public sealed class UploadRateLimitIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AcquireAsync_TwoInstances_ShareOneBucketPerStation()
    {
        var redis = await TestServers.RedisAsync(output);
        if (redis is null)
        {
            return;
        }

        // A burst of 3, then one upload a minute: the fourth upload anywhere waits about a minute.
        var options = Options.Create(new CentralApiOptions { UploadBurst = 3, UploadsPerMinute = 1 });
        var redisOptions = new RedisOptions { KeyPrefix = redis.Value.Prefix };
        using var first = new RedisConnection(redis.Value.Configuration, redisOptions, NullLogger<RedisConnection>.Instance);
        using var second = new RedisConnection(redis.Value.Configuration, redisOptions, NullLogger<RedisConnection>.Instance);
        using var local = new LocalUploadRateLimiter(options);
        try
        {
            var limiters = new[] { first, second }
                .Select(r => new RedisUploadRateLimiter(r, local, options, NullLogger<RedisUploadRateLimiter>.Instance))
                .ToArray();

            var granted = 0;
            for (var i = 0; i < 3; i++)
            {
                granted += (await limiters[i % 2].AcquireAsync("st-up")).Granted ? 1 : 0;
            }

            var (fourthGranted, retryAfter) = await limiters[1].AcquireAsync("st-up");

            Assert.Equal(3, granted);
            Assert.False(fourthGranted);
            Assert.InRange(retryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(61));
            Assert.True((await limiters[0].AcquireAsync("st-other")).Granted, "another station has its own bucket");
            // The local buckets were never asked, so they still hold the whole burst.
            Assert.True(local.Acquire("st-up").Granted);
        }
        finally
        {
            await TestServers.CleanRedisAsync(redis.Value.Configuration, redis.Value.Prefix);
        }
    }
}
