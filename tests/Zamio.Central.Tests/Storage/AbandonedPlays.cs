using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Storage;

/// <summary>Plays left ongoing and how any play store closes those nobody has written for a while.</summary>
internal static class AbandonedPlays
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 6, 0, 0, TimeSpan.Zero);

    public static async Task CheckAsync(IPlayStore store)
    {
        PlayRecord Play(int id, string status) =>
            new("st-gone", $"st-gone/100-0-0/{id}", $"song{id}", T0.AddMinutes(id * 5), T0.AddMinutes((id * 5) + 3), 0.9, 1.0, status);

        await store.UpsertAsync([Play(1, "ongoing"), Play(2, "closed")], T0, CancellationToken.None);
        await store.UpsertAsync([Play(3, "ongoing")], T0.AddMinutes(5), CancellationToken.None);

        Assert.Equal(1, store.CloseAbandoned(T0.AddMinutes(2), T0.AddMinutes(6)));
        Assert.Equal(
            [Play(1, "closed"), Play(2, "closed"), Play(3, "ongoing")],
            store.Query("st-gone", null, null, 10));
        Assert.Equal(0, store.CloseAbandoned(T0.AddMinutes(2), T0.AddMinutes(7)));
    }
}
