namespace Zamio.Central.Tests.Api;

/// <summary>Polls until a condition holds (the ingest loop and the play writer run asynchronously to requests).</summary>
internal static class ApiWait
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var last = await read();
        while (!done(last))
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Timed out; last seen: {last}");
            }

            await Task.Delay(50, CancellationToken.None);
            last = await read();
        }

        return last;
    }
}
