using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Archive;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Tests.Archive;

public sealed class RematchJobsTests
{
    [Fact]
    public void TryQueue_QueueFull_RefusesTheNextAndForgetsIt()
    {
        using var dir = new TempDirectory();
        var database = CentralDatabase.Open(dir.Path);
        var jobs = Jobs(new SqlitePlayStore(database), database, new FakeTimeProvider());
        var run = Run(dir);

        // Not started, so nothing leaves the queue.
        var queued = Enumerable.Range(0, RematchJobs.QueueCapacity).Select(_ => jobs.TryQueue(null, run, [])).ToList();
        var refused = jobs.TryQueue(null, run, []);

        Assert.All(queued, job => Assert.Equal(RematchStatus.Queued, Assert.IsType<RematchJob>(job).Status));
        Assert.Equal(RematchJobs.QueueCapacity, queued.Select(j => j!.Id).Distinct().Count());
        Assert.Null(refused);
        Assert.All(queued, job => Assert.Same(job, jobs.Find(job!.Id)));
    }

    [Fact]
    public async Task ExecuteAsync_StoreFailsWhileWriting_ThatJobFailsWithTheReasonAndTheNextRuns()
    {
        using var dir = new TempDirectory();
        var jobs = Jobs(new UnwritableStore(), CentralDatabase.Open(dir.Path), new FakeTimeProvider());
        var run = Run(dir);
        await jobs.StartAsync(CancellationToken.None);
        try
        {
            var writing = jobs.TryQueue(null, run with { Write = true }, [])!;
            var reading = jobs.TryQueue(null, run, [])!;
            await reading.Completion.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.True(writing.Completion.IsCompleted);
            Assert.Equal((RematchStatus.Failed, UnwritableStore.Reason), (writing.Status, writing.Ended!.Error));
            Assert.Equal((RematchStatus.Done, null), (reading.Status, reading.Ended!.Error));
        }
        finally
        {
            await jobs.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Show_JobOfAnotherInstance_FromTheStoreQueuedThenDoneWithItsPlays()
    {
        using var dir = new TempDirectory();
        var database = CentralDatabase.Open(dir.Path);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var running = Jobs(new SqlitePlayStore(database), database, time);
        var other = Jobs(new SqlitePlayStore(database), database, time);
        var job = running.TryQueue("rj-joy", Run(dir), [])!;

        var queued = other.Show(job.Id);
        await running.StartAsync(CancellationToken.None);
        try
        {
            await job.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await running.StopAsync(CancellationToken.None);
        }

        Assert.Null(other.Find(job.Id));
        Assert.Equal(("queued", "rj-joy", null), (queued!.Status, queued.Station, queued.Plays));
        var done = other.Show(job.Id)!;
        Assert.Equal(("done", null, 0), (done.Status, done.Error, done.Plays!.Count));
        Assert.Equal(RematchResponse.Of(job).Summary, done.Summary);
        Assert.Equal(job.Ended!.At, done.Ended);
        Assert.Null(other.Show("0123456789abcdef"));
    }

    [Fact]
    public async Task Latest_JobsOfTwoInstances_NewestFirstWithoutPlaysAndWithThisInstancesProgress()
    {
        using var dir = new TempDirectory();
        var database = CentralDatabase.Open(dir.Path);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var first = Jobs(new SqlitePlayStore(database), database, time);
        var second = Jobs(new SqlitePlayStore(database), database, time);
        var done = first.TryQueue("rj-a", Run(dir), [])!;
        await first.StartAsync(CancellationToken.None);
        try
        {
            await done.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await first.StopAsync(CancellationToken.None);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var waiting = second.TryQueue("rj-b", Run(dir), [])!;

        var latest = first.Latest(10);

        Assert.Equal([(waiting.Id, "queued"), (done.Id, "done")], latest.Select(j => (j.Id, j.Status)));
        Assert.All(latest, j => Assert.Null(j.Plays));
        Assert.Equal([waiting.Id], second.Latest(1).Select(j => j.Id));
    }

    [Fact]
    public void Show_StoredJobItsInstanceStoppedRewriting_FailedWithTheReasonOnlyOnceAMinuteHasPassed()
    {
        using var dir = new TempDirectory();
        var database = CentralDatabase.Open(dir.Path);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        var lost = Jobs(new SqlitePlayStore(database), database, time);
        var job = lost.TryQueue(null, Run(dir), [])!;
        var restarted = Jobs(new SqlitePlayStore(database), database, time);

        time.Advance(RematchJobs.Orphaned - TimeSpan.FromSeconds(5));
        lost.SaveUnfinished();
        time.Advance(RematchJobs.Orphaned - TimeSpan.FromSeconds(5));
        var stillHeardOf = restarted.Show(job.Id)!;
        time.Advance(TimeSpan.FromSeconds(10));
        var orphaned = restarted.Show(job.Id)!;

        Assert.Equal(("queued", null), (stillHeardOf.Status, stillHeardOf.Error));
        Assert.Equal("failed", orphaned.Status);
        Assert.Contains("stopped before it finished", orphaned.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_JobsRunningAndWaiting_StoredAsFailedWithTheReasonsARestartShows()
    {
        using var dir = new TempDirectory();
        var database = CentralDatabase.Open(dir.Path);
        var time = new FakeTimeProvider();
        var writes = new HangingStore();
        var stopping = Jobs(writes, database, time);
        await stopping.StartAsync(CancellationToken.None);
        var running = stopping.TryQueue(null, Run(dir) with { Write = true }, [])!;
        var waiting = stopping.TryQueue(null, Run(dir), [])!;
        await writes.Entered.WaitAsync(TimeSpan.FromSeconds(30));

        await stopping.StopAsync(CancellationToken.None);

        var restarted = Jobs(new SqlitePlayStore(database), database, time);
        Assert.Equal(("failed", "central stopped before the rematch finished; nothing was written"), (restarted.Show(running.Id)!.Status, restarted.Show(running.Id)!.Error));
        Assert.Equal(("failed", "central stopped before the rematch ran"), (restarted.Show(waiting.Id)!.Status, restarted.Show(waiting.Id)!.Error));
    }

    private static RematchJobs Jobs(IPlayStore plays, CentralDatabase database, TimeProvider time) =>
        new(plays, RematchJobStore.Embedded(database), Options.Create(new ArchiveOptions()), time, NullLogger<RematchJobs>.Instance);

    private static RematchRun Run(TempDirectory dir) =>
        new([dir.Path], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), FingerprintIndex.Empty, null, Write: false);

    /// <summary>A play store whose writes wait until they are cancelled.</summary>
    private sealed class HangingStore : IPlayStore
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public async Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
        {
            _entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) => [];

        public IReadOnlyList<PlayRecord> Ongoing(string station) => [];

        public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => [];

        public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now) => 0;
    }

    /// <summary>A play store whose writes fail as a database that went away does.</summary>
    private sealed class UnwritableStore : IPlayStore
    {
        public const string Reason = "the database did not answer";

        public Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken) => throw new TimeoutException(Reason);

        public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) => [];

        public IReadOnlyList<PlayRecord> Ongoing(string station) => [];

        public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => [];

        public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now) => 0;
    }
}
