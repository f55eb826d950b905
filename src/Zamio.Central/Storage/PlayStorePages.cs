using Zamio.Central.Plays;

namespace Zamio.Central.Storage;

/// <summary>Every play of a period, read a page at a time so a long period streams instead of loading at once.</summary>
public static class PlayStorePages
{
    private const int PageSize = 5000;

    /// <summary>The plays overlapping [from, to) (retracted ones left out, as <see cref="IPlayStore.Query"/> gives them), by start time.</summary>
    public static IEnumerable<PlayRecord> QueryAll(this IPlayStore store, string? station, DateTimeOffset from, DateTimeOffset to)
    {
        PlayCursor? after = null;
        while (true)
        {
            var page = store.Query(station, from, to, PageSize, after);
            foreach (var play in page)
            {
                yield return play;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = PlayCursor.After(page[^1]);
        }
    }
}
