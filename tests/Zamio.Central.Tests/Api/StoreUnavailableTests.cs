using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Api;

namespace Zamio.Central.Tests.Api;

public sealed class StoreUnavailableTests
{
    [Fact]
    public async Task StoreUnavailable_DatabaseTimesOut_Is503WithRetryAfter()
    {
        var context = Context();

        await ApiResults.StoreUnavailableAsync(context, _ => throw new TimeoutException("the database did not answer"));

        Assert.Equal((503, "5"), (context.Response.StatusCode, context.Response.Headers.RetryAfter.ToString()));
    }

    [Fact]
    public async Task StoreUnavailable_OtherFailure_IsNotMistakenForTheDatabase()
    {
        var context = Context();

        await Assert.ThrowsAsync<IOException>(() => ApiResults.StoreUnavailableAsync(context, _ => throw new IOException("disk full")));
        Assert.Equal(200, context.Response.StatusCode);
    }

    private static DefaultHttpContext Context() => new()
    {
        RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        Response = { Body = new MemoryStream() },
    };
}
