using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Storage;

/// <summary>Plays for paging tests, and a client's walk through them page by page.</summary>
internal static class PlayPages
{
    /// <summary>Seven plays of three stations, up to three starting at the same minute: ties the cursor must break by key.</summary>
    public static List<PlayRecord> Tied(DateTimeOffset start) =>
        [.. Enumerable.Range(0, 7).Select(i => new PlayRecord(
            $"st-{i % 3}", $"st-{i % 3}/100-0/{i}", "song1", start.AddMinutes(i / 3), start.AddMinutes((i / 3) + 3), 0.9, 1.0, "closed"))];

    /// <summary>Every play, read in pages of <paramref name="pageSize"/>, each after the last play of the one before.</summary>
    public static List<PlayRecord> Walk(IPlayStore store, int pageSize)
    {
        var walked = new List<PlayRecord>();
        PlayCursor? after = null;
        IReadOnlyList<PlayRecord> page;
        do
        {
            page = store.Query(null, null, null, pageSize, after);
            walked.AddRange(page);
            after = page.Count > 0 ? PlayCursor.After(page[^1]) : null;
        }
        while (page.Count == pageSize);

        return walked;
    }
}
