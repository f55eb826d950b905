using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
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

    [Fact]
    public async Task Upsert_DatabaseReadOnlyOnce_RetriesAndWritesEveryPlay()
    {
        // A failover that lands on a standby answers 25006 until the new primary is found.
        var backend = new RefusingPlayStore(calls => calls == 1 ? new PostgresException("cannot execute INSERT in a read-only transaction", "ERROR", "ERROR", "25006") : null);
        using var plays = new PlayStore(backend, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance);
        await plays.StartAsync(CancellationToken.None);
        try
        {
            plays.Upsert([Play("a", "ongoing"), Play("b", "ongoing"), Play("c", "closed")]);
            await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(["a", "b", "c"], backend.Written.Keys);
            Assert.Equal(0, plays.State.Dropped);
            Assert.True(plays.State.Healthy);
        }
        finally
        {
            await plays.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Upsert_DatabaseRefusesOnePlay_WritesTheOthersAndDropsOnlyThatOne()
    {
        var backend = new RefusingPlayStore((_, batch) => batch.Any(p => p.PlayKey == "b")
            ? new PostgresException("new row violates check constraint", "ERROR", "ERROR", "23514")
            : null);
        using var plays = new PlayStore(backend, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance);
        await plays.StartAsync(CancellationToken.None);
        try
        {
            plays.Upsert([Play("a", "ongoing"), Play("b", "ongoing"), Play("c", "closed")]);
            await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(["a", "c"], backend.Written.Keys);
            Assert.Equal(1, plays.State.Dropped);
            Assert.Equal(2, plays.State.Written);
            Assert.Equal(0, plays.State.Pending);
        }
        finally
        {
            await plays.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Upsert_DatabaseRefusesEveryPlayOfABatch_LogsTheFirstRefusalAndACount()
    {
        var backend = new RefusingPlayStore(_ => new PostgresException("column \"speed\" does not exist", "ERROR", "ERROR", "42703"));
        var logger = new RecordingLogger();
        using var plays = new PlayStore(backend, Retrying, TimeProvider.System, logger);
        await plays.StartAsync(CancellationToken.None);
        try
        {
            plays.Upsert([.. Enumerable.Range(0, 50).Select(i => Play($"p{i}", "ongoing"))]);
            await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(50, plays.State.Dropped);
            var rejected = logger.Messages.Where(m => m.Contains("rejected by the database and dropped", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, rejected.Count);
            Assert.StartsWith("Play ", rejected[0], StringComparison.Ordinal);
            Assert.StartsWith("49 more play(s) of that batch of 50", rejected[1], StringComparison.Ordinal);
        }
        finally
        {
            await plays.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Upsert_BufferOverflowsAgainAfterAWrite_LogsEachOverflowOnce()
    {
        var backend = new SteppedPlayStore();
        var logger = new RecordingLogger();
        using var plays = new PlayStore(backend, Options.Create(new StorageOptions { PlayBufferCapacity = 1 }), TimeProvider.System, logger);
        await plays.StartAsync(CancellationToken.None);
        try
        {
            foreach (var (kept, overflow) in new[] { ("a", new[] { "b", "c" }), ("d", new[] { "e" }) })
            {
                plays.Upsert([Play(kept, "ongoing")]);
                Assert.True(await backend.Entered.WaitAsync(TimeSpan.FromSeconds(10)));
                foreach (var key in overflow)
                {
                    plays.Upsert([Play(key, "ongoing")]);
                }

                backend.Release.Release();
                await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }

            Assert.Equal(3, plays.State.Dropped);
            Assert.Equal(2, logger.Messages.Count(m => m.StartsWith("Play buffer full", StringComparison.Ordinal)));
        }
        finally
        {
            backend.Release.Release(10);
            await plays.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Upsert_AfterTheWriterStopped_CountsAndLogsThePlaysAsDropped()
    {
        var backend = new RefusingPlayStore(_ => null);
        var logger = new RecordingLogger();
        using var plays = new PlayStore(backend, Retrying, TimeProvider.System, logger);
        await plays.StartAsync(CancellationToken.None);
        await plays.StopAsync(CancellationToken.None);

        plays.Upsert([Play("a", "closed"), Play("b", "closed")]);

        Assert.Equal(2, plays.State.Dropped);
        Assert.Equal(0, plays.State.Pending);
        Assert.Contains(logger.Messages, m => m.Contains("after the play writer stopped", StringComparison.Ordinal));
        Assert.Empty(backend.Written);
    }

    [Fact]
    public async Task StopAsync_DatabaseDown_UnwrittenPlaysKeptAndWrittenAfterTheNextStart()
    {
        using var dir = new TempDirectory();
        using var journal = new PlayJournal(dir.Path, NullLogger<PlayJournal>.Instance);
        var down = new RefusingPlayStore(_ => new TimeoutException("the database did not answer"));
        using (var stopping = new PlayStore(down, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance, journal))
        {
            await stopping.StartAsync(CancellationToken.None);
            stopping.Upsert([Play("a", "ongoing"), Play("b", "closed")]);
            stopping.Upsert([Play("a", "closed")]);
            await stopping.StopAsync(CancellationToken.None);
            Assert.Equal(0, stopping.State.Dropped);
        }

        Assert.Equal(2, File.ReadAllLines(journal.Path).Length);
        var up = new RefusingPlayStore(_ => null);
        using var restarted = new PlayStore(up, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance, journal);
        await restarted.StartAsync(CancellationToken.None);
        try
        {
            await restarted.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal([Play("a", "closed"), Play("b", "closed")], up.Written.Values);
            Assert.False(File.Exists(journal.Path));
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }

        Assert.False(File.Exists(journal.Path));
    }

    [Fact]
    public async Task Upsert_DatabaseAway_WaitingPlaysOnDiskSoACrashLosesNone()
    {
        using var dir = new TempDirectory();
        using var journal = new PlayJournal(dir.Path, NullLogger<PlayJournal>.Instance);
        var attempts = new SemaphoreSlim(0);
        var down = new RefusingPlayStore(_ =>
        {
            attempts.Release();
            return new TimeoutException("the database did not answer");
        });
        var crashing = new PlayStore(down, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance, journal);
        // Both updates wait before the writer starts: with the second after it, a busy machine could run the first attempt
        // and its journal save in between, and the journal is saved again only JournalEvery later.
        crashing.Upsert([Play("a", "ongoing"), Play("b", "closed")]);
        crashing.Upsert([Play("a", "closed")]);
        await crashing.StartAsync(CancellationToken.None);

        // The second attempt begins after the first retry decided to wait, which is when the journal is saved.
        Assert.True(await attempts.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(await attempts.WaitAsync(TimeSpan.FromSeconds(10)));
        crashing.Dispose(); // no orderly stop: the process is gone
        await crashing.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));

        var up = new RefusingPlayStore(_ => null);
        using var restarted = new PlayStore(up, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance, journal);
        await restarted.StartAsync(CancellationToken.None);
        try
        {
            await restarted.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(["a", "b"], up.Written.Keys);
            Assert.Equal("closed", up.Written["a"].Status);
            Assert.False(File.Exists(journal.Path));
        }
        finally
        {
            await restarted.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Upsert_DatabaseBackAfterAnOutage_JournalGoesOnceEverythingIsWritten()
    {
        using var dir = new TempDirectory();
        using var journal = new PlayJournal(dir.Path, NullLogger<PlayJournal>.Instance);
        var backend = new RefusingPlayStore(call => call <= 3 ? new TimeoutException("the database did not answer") : null);
        using var plays = new PlayStore(backend, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance, journal);
        await plays.StartAsync(CancellationToken.None);
        try
        {
            plays.Upsert([Play("a", "closed")]);
            await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

            Assert.Equal(["a"], backend.Written.Keys);
            Assert.False(File.Exists(journal.Path));
        }
        finally
        {
            await plays.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task StartAsync_AnotherProcessHoldsTheJournal_LeavesItsFileAloneAndKeepsPlaysInMemory()
    {
        using var dir = new TempDirectory();
        using var holder = new PlayJournal(dir.Path, NullLogger<PlayJournal>.Instance);
        Assert.True(holder.Claim());
        holder.Save([Play("theirs", "closed")]);
        using var second = new PlayJournal(dir.Path, NullLogger<PlayJournal>.Instance);
        var down = new RefusingPlayStore(_ => new TimeoutException("the database did not answer"));
        using var plays = new PlayStore(down, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance, second);

        await plays.StartAsync(CancellationToken.None);
        plays.Upsert([Play("mine", "closed")]);
        await plays.StopAsync(CancellationToken.None);

        Assert.Equal(1, plays.State.Pending);
        Assert.Contains("\"theirs\"", File.ReadAllText(holder.Path), StringComparison.Ordinal);
        Assert.DoesNotContain("\"mine\"", File.ReadAllText(holder.Path), StringComparison.Ordinal);
        holder.Dispose();
        Assert.True(second.Claim());
    }

    [Fact]
    public async Task StartAsync_JournalWithADamagedLine_QueuesTheRestAndSkipsIt()
    {
        using var dir = new TempDirectory();
        using var journal = new PlayJournal(dir.Path, NullLogger<PlayJournal>.Instance);
        journal.Save([Play("a", "closed"), Play("b", "closed")]);
        File.AppendAllText(journal.Path, "{\"station\":\"st-count\",\"playKe\n");
        var up = new RefusingPlayStore(_ => null);
        using var plays = new PlayStore(up, Retrying, TimeProvider.System, NullLogger<PlayStore>.Instance, journal);

        await plays.StartAsync(CancellationToken.None);
        try
        {
            await plays.FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await plays.StopAsync(CancellationToken.None);
        }

        Assert.Equal(["a", "b"], up.Written.Keys);
        Assert.False(File.Exists(journal.Path));
    }

    private static IOptions<StorageOptions> Retrying => Options.Create(new StorageOptions { RetryDelayMilliseconds = 10, MaxRetryDelayMilliseconds = 10 });

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

    /// <summary>Signals each write as it begins and holds it until released.</summary>
    private sealed class SteppedPlayStore : IPlayStore
    {
        public SemaphoreSlim Entered { get; } = new(0);

        public SemaphoreSlim Release { get; } = new(0);

        public async Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
        {
            Entered.Release();
            await Release.WaitAsync(cancellationToken);
        }

        public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) => [];

        public IReadOnlyList<PlayRecord> Ongoing(string station) => [];

        public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => [];

        public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now) => 0;
    }

    private sealed class RecordingLogger : ILogger<PlayStore>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue(formatter(state, exception));
    }

    /// <summary>Throws what <c>refuse</c> returns for a call (counted from 1) and its batch; remembers the plays written.</summary>
    private sealed class RefusingPlayStore(Func<int, IReadOnlyList<PlayRecord>, Exception?> refuse) : IPlayStore
    {
        private int _calls;

        public RefusingPlayStore(Func<int, Exception?> refuse)
            : this((call, _) => refuse(call))
        {
        }

        public SortedDictionary<string, PlayRecord> Written { get; } = new(StringComparer.Ordinal);

        public Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (refuse(Interlocked.Increment(ref _calls), plays) is { } error)
            {
                throw error;
            }

            lock (Written)
            {
                foreach (var play in plays)
                {
                    Written[play.PlayKey] = play;
                }
            }

            return Task.CompletedTask;
        }

        public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) => [];

        public IReadOnlyList<PlayRecord> Ongoing(string station) => [];

        public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => [];

        public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now) => 0;
    }
}
