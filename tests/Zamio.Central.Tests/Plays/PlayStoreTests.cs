using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Plays;

public sealed class PlayStoreTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Upsert_UpdateOfAPlayBeingWritten_CountsItOnceAndStillFitsAFullBuffer()
    {
        var backend = new GatedPlayStore();
        var options = Options.Create(new StorageOptions { PlayBufferCapacity = 2 });
        using var plays = new PlayStore(backend, options, TimeProvider.System, NullLogger<PlayStore>.Instance);
        await plays.StartAsync(CancellationToken.None);
        try
        {
            var first = Play("a", "ongoing");
            var second = Play("b", "ongoing");
            plays.Upsert([first, second]);
            await backend.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

            // Both are being written when they close: the buffer holds two plays, not four, and nothing is dropped.
            plays.Upsert([first with { Status = "closed" }, second with { Status = "closed" }]);
            Assert.Equal(2, plays.State.Pending);
            Assert.Equal(0, plays.State.Dropped);

            // A third play does not fit.
            plays.Upsert([Play("c", "ongoing")]);
            Assert.Equal(1, plays.State.Dropped);

            backend.Release.TrySetResult();
            await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, plays.State.Pending);
            Assert.Equal(["closed", "closed"], backend.Latest.Values.Select(p => p.Status));
        }
        finally
        {
            backend.Release.TrySetResult();
            await plays.StopAsync(CancellationToken.None);
        }
    }

    private static PlayRecord Play(string key, string status) =>
        new("st-count", key, "song-" + key, Start, Start.AddMinutes(3), 0.9, 1, status);

    /// <summary>Holds the first write until released; remembers the last version of each play written.</summary>
    private sealed class GatedPlayStore : IPlayStore
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SortedDictionary<string, PlayRecord> Latest { get; } = new(StringComparer.Ordinal);

        public async Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            lock (Latest)
            {
                foreach (var play in plays)
                {
                    Latest[play.PlayKey] = play;
                }
            }
        }

        public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) => [];

        public IReadOnlyList<PlayRecord> Ongoing(string station) => [];

        public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => [];

        public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now) => 0;
    }
}
