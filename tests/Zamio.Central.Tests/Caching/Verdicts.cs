using Zamio.Central.Caching;

namespace Zamio.Central.Tests.Caching;

internal static class Verdicts
{
    /// <summary>Runs <paramref name="count"/> checks one after another, as an ingest worker does, and lists their verdicts.</summary>
    public static async Task<List<RateLimitVerdict>> OfAsync(int count, Func<int, ValueTask<RateLimitVerdict>> check)
    {
        var verdicts = new List<RateLimitVerdict>(count);
        for (var i = 0; i < count; i++)
        {
            verdicts.Add(await check(i));
        }

        return verdicts;
    }
}
