using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using Zamio.Central.Caching;

namespace Zamio.Central.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class DescriptionChangesIntegrationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task PublishAsync_OnOneInstance_RaisesChangedThereAtOnceAndOnTheOtherThroughRedis()
    {
        var redis = await TestServers.RedisAsync(output);
        if (redis is null)
        {
            return;
        }

        var options = new RedisOptions { KeyPrefix = redis.Value.Prefix };
        using var first = new RedisConnection(redis.Value.Configuration, options, NullLogger<RedisConnection>.Instance);
        using var second = new RedisConnection(redis.Value.Configuration, options, NullLogger<RedisConnection>.Instance);
        var publisher = new RedisDescriptionChanges(first, NullLogger<RedisDescriptionChanges>.Instance);
        var listener = new RedisDescriptionChanges(second, NullLogger<RedisDescriptionChanges>.Instance);
        var heardHere = 0;
        publisher.Changed += () => Interlocked.Increment(ref heardHere);
        var heardThere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Changed += () => heardThere.TrySetResult();
        await TestServers.WaitForSubscribersAsync(first, RedisDescriptionChanges.ChannelName(first), 2);

        await publisher.PublishAsync(["song1", "song2"], CancellationToken.None);

        Assert.True(Volatile.Read(ref heardHere) >= 1, "the publishing instance drops its copy without waiting for Redis");
        await heardThere.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task PublishAsync_RedisUnreachable_StillRaisesChangedHereAndDoesNotThrow()
    {
        var options = new RedisOptions { KeyPrefix = "zamio-test-down", ConnectTimeoutMilliseconds = 200 };
        using var connection = new RedisConnection($"127.0.0.1:{TestServers.ClosedPort()}", options, NullLogger<RedisConnection>.Instance);
        var changes = new RedisDescriptionChanges(connection, NullLogger<RedisDescriptionChanges>.Instance);
        var heard = 0;
        changes.Changed += () => heard++;

        await changes.PublishAsync(["song1"], CancellationToken.None);

        Assert.Equal(1, heard);
    }

    [Fact]
    public async Task PublishAsync_ConnectionTornDown_StillRaisesChangedHereAndDoesNotThrow()
    {
        // A torn-down connection fails its commands with ObjectDisposedException, as a collected failed one can too.
        var options = new RedisOptions { KeyPrefix = "zamio-test-down", ConnectTimeoutMilliseconds = 200 };
        var connection = new RedisConnection($"127.0.0.1:{TestServers.ClosedPort()}", options, NullLogger<RedisConnection>.Instance);
        var changes = new RedisDescriptionChanges(connection, NullLogger<RedisDescriptionChanges>.Instance);
        var heard = 0;
        changes.Changed += () => heard++;
        connection.Dispose();

        await changes.PublishAsync(["song1"], CancellationToken.None);

        Assert.Equal(1, heard);
    }
}
