using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Storage;

/// <summary>Plays around a one-hour period and the airplay totals any play store must sum from them.</summary>
internal static class AirplayPlays
{
    public static readonly DateTimeOffset From = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset To = From.AddHours(1);

    public static async Task SeedAndCheckAsync(IPlayStore store)
    {
        PlayRecord Play(string station, int id, string track, TimeSpan start, double seconds, string status) =>
            new(station, $"{station}/100-0/{id}", track, From + start, From + start + TimeSpan.FromSeconds(seconds), 0.9, 1.0, status);

        await store.UpsertAsync(
            [
                Play("st-a", 1, "song1", TimeSpan.Zero, 180, "closed"),
                Play("st-a", 2, "song1", TimeSpan.FromMinutes(30), 200.5, "closed"),
                Play("st-a", 3, "song1", TimeSpan.FromMinutes(50), 60, "ongoing"),
                Play("st-a", 4, "song2", TimeSpan.FromMinutes(10), 100, "retracted"),
                Play("st-a", 5, "song2", TimeSpan.FromMinutes(-1), 180, "closed"), // began before the period
                Play("st-a", 6, "song3", TimeSpan.FromHours(1), 120, "closed"), // begins as the period ends
                Play("st-b", 7, "song1", TimeSpan.FromMinutes(5), 90, "closed"),
            ],
            From,
            CancellationToken.None);

        var all = store.Airplay(null, From, To);

        Assert.Equal([("st-a", "song1", 3, 1), ("st-b", "song1", 1, 0)], all.Select(t => (t.Station, t.Track, t.Plays, t.Ongoing)));
        Assert.Equal(440.5, all[0].Seconds, 0.01);
        Assert.Equal((From, From.AddMinutes(51)), (all[0].FirstStart, all[0].LastEnd));
        Assert.Equal(90, all[1].Seconds, 0.01);
        var one = Assert.Single(store.Airplay("st-b", From, To));
        Assert.Equal(("st-b", From.AddMinutes(5)), (one.Station, one.FirstStart));
        Assert.Empty(store.Airplay("st-c", From, To));
    }
}
