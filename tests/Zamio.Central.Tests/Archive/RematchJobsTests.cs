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
        var jobs = new RematchJobs(
            new SqlitePlayStore(CentralDatabase.Open(dir.Path)), Options.Create(new ArchiveOptions()), new FakeTimeProvider(), NullLogger<RematchJobs>.Instance);
        var run = new RematchRun([dir.Path], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), FingerprintIndex.Empty, null, Write: false);

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
        var jobs = new RematchJobs(new UnwritableStore(), Options.Create(new ArchiveOptions()), new FakeTimeProvider(), NullLogger<RematchJobs>.Instance);
        var run = new RematchRun([dir.Path], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), FingerprintIndex.Empty, null, Write: false);
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
