using StackExchange.Redis;
using Zamio.Central.Caching;

namespace Zamio.Central.Tests.Caching;

public sealed class RedisFailureTests
{
    public static TheoryData<Exception, bool> Cases => new()
    {
        { new RedisException("down"), true },
        { new TimeoutException(), true },
        { new ObjectDisposedException("Connection is being finalized"), true },
        { new InvalidOperationException(), false },
        { new ArgumentException("bad key"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsUnavailable_ByException_FallsBackOnlyWhenRedisCouldNotAnswer(Exception exception, bool expected) =>
        Assert.Equal(expected, RedisFailure.IsUnavailable(exception));
}
