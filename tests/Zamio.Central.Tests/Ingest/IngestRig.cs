using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Caching;
using Zamio.Central.Catalog;
using Zamio.Central.Cli;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Plays;
using Zamio.Central.Stations;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Ingest;

/// <summary>
/// Central's ingest without a host, on a fake clock: a two-song catalogue added the way <c>catalog add</c> does, the
/// embedded stations and plays database behind a running <see cref="PlayStore"/>, and one registered station whose
/// stream is song 1 followed by silence, in the agent's 2-second packets.
/// </summary>
internal sealed class IngestRig : IAsyncDisposable
{
    public const string Station = "st-idle";
    public const int PlayedSeed = 1;

    /// <summary>A second registered station, for packets that only mark a point in a partition's queue.</summary>
    public const string OtherStation = "st-other";

    private readonly TempDirectory _dir = new();

    private IngestRig()
    {
        Directory.CreateDirectory(_dir.Combine("audio"));
        foreach (var seed in new[] { PlayedSeed, 2 })
        {
            ServeFixture.WriteWav(_dir.Combine("audio", ServeFixture.TrackId(seed) + ".wav"), SyntheticSong.Generate(seed, ServeFixture.SongSeconds));
        }

        Assert.Equal(0, CommandLine.Run(["catalog", "add", _dir.Combine("audio"), "--data-dir", _dir.Combine("data")]));
        var database = CentralDatabase.Open(_dir.Combine("data"));
        StationBackend = new SwitchableStationStore(new SqliteStationStore(database));
        Stations = new StationStore(StationBackend, Time);
        Stations.Add(Station);
        Stations.Add(OtherStation);
        Activity = new StationActivity(Time);
        Catalog = new CatalogIndex(new SqliteCatalogRepository(_dir.Combine("data")), Time, NullLogger<CatalogIndex>.Instance);
        Backend = new ObservedPlayStore(new SqlitePlayStore(database));
        Plays = new PlayStore(Backend, Options.Create(new StorageOptions()), Time, NullLogger<PlayStore>.Instance);
        Limiter = new LocalRateLimiter(Options.Create(new RateLimitOptions()), Time);
        var audio = StationFeed.Concat(SyntheticSong.Generate(PlayedSeed, ServeFixture.SongSeconds), SyntheticSong.Silence(40));
        Packets = StationFeed.Packets(Station, audio);
    }

    public static TimeSpan Patience { get; } = TimeSpan.FromSeconds(30);

    public FakeTimeProvider Time { get; } = new(StationFeed.CaptureStart.AddHours(1));

    public StationStore Stations { get; }

    /// <summary>The stations' store, which a test can take down like a database.</summary>
    public SwitchableStationStore StationBackend { get; }

    public StationActivity Activity { get; }

    public CatalogIndex Catalog { get; }

    public ObservedPlayStore Backend { get; }

    public PlayStore Plays { get; }

    public IStationRateLimiter Limiter { get; }

    /// <summary>The station's stream: song 1 from the capture start (40 s), then 40 s of silence.</summary>
    public IReadOnlyList<FingerprintPacket> Packets { get; }

    public static async Task<IngestRig> StartAsync()
    {
        var rig = new IngestRig();
        await rig.Catalog.LoadAsync(CancellationToken.None);
        await rig.Plays.StartAsync(CancellationToken.None);
        return rig;
    }

    public static InboundPacket Inbound(FingerprintPacket packet) => new(packet.StationId, packet.StationId, packet.ToArray());

    /// <summary>
    /// A worker of central instance <paramref name="instance"/> (a new one stands for a restarted central), limited by
    /// <paramref name="limiter"/> instead of <see cref="Limiter"/> when given.
    /// </summary>
    public IngestWorker Worker(
        TimeSpan idleClose, string instance = "1", IStationRateLimiter? limiter = null, Central.Archive.PacketArchive? archive = null,
        Central.Metrics.CentralMetrics? metrics = null) =>
        new(0, instance, Catalog, Plays, Stations, Activity, limiter ?? Limiter, Time, idleClose, NullLogger.Instance, metrics, archive);

    /// <summary>A fingerprint archive under the rig's data directory.</summary>
    public Central.Archive.PacketArchive Archive() =>
        new(Options.Create(new Central.Archive.ArchiveOptions()), Options.Create(new ServeOptions { DataDirectory = _dir.Combine("data") }), Time,
            NullLogger<Central.Archive.PacketArchive>.Instance);

    /// <summary>The station's stored plays once everything queued so far is written.</summary>
    public async Task<IReadOnlyList<PlayRecord>> StoredAsync()
    {
        await Plays.FlushAsync(CancellationToken.None).WaitAsync(Patience);
        return Backend.Query(Station, null, null, 100);
    }

    public async ValueTask DisposeAsync()
    {
        await Plays.StopAsync(CancellationToken.None);
        Plays.Dispose();
        _dir.Dispose();
    }
}

/// <summary>A play store that lets a test wait for a write it expects.</summary>
internal sealed class ObservedPlayStore(IPlayStore inner) : IPlayStore
{
    private readonly Lock _gate = new();
    private readonly List<(Func<PlayRecord, bool> Match, TaskCompletionSource<PlayRecord> Seen)> _waiters = [];

    public async Task UpsertAsync(IReadOnlyList<PlayRecord> plays, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await inner.UpsertAsync(plays, now, cancellationToken);
        lock (_gate)
        {
            foreach (var play in plays)
            {
                foreach (var waiter in _waiters.Where(w => w.Match(play)).ToList())
                {
                    waiter.Seen.TrySetResult(play);
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    public IReadOnlyList<PlayRecord> Query(string? station, DateTimeOffset? from, DateTimeOffset? to, int limit, PlayCursor? after = null) =>
        inner.Query(station, from, to, limit, after);

    /// <summary>When set, reading ongoing plays fails the way a database that went away does.</summary>
    public bool OngoingUnavailable { get; set; }

    /// <summary>When set, reading ongoing plays waits for it (a slow database).</summary>
    public ManualResetEventSlim? OngoingGate { get; set; }

    public IReadOnlyList<PlayRecord> Ongoing(string station)
    {
        if (OngoingUnavailable)
        {
            throw new TimeoutException("the database did not answer");
        }

        OngoingGate?.Wait(IngestRig.Patience);
        return inner.Ongoing(station);
    }

    public IReadOnlyList<AirplayTotal> Airplay(string? station, DateTimeOffset from, DateTimeOffset to) => inner.Airplay(station, from, to);

    public int CloseAbandoned(DateTimeOffset untouchedSince, DateTimeOffset now) => inner.CloseAbandoned(untouchedSince, now);

    /// <summary>Completes with the first play written after this call that matches.</summary>
    public Task<PlayRecord> NextWriteAsync(Func<PlayRecord, bool> match)
    {
        var seen = new TaskCompletionSource<PlayRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(IngestRig.Patience);
    }
}

/// <summary>A station store that fails like an unreachable database while <see cref="Down"/> is set.</summary>
internal sealed class SwitchableStationStore(IStationStore inner) : IStationStore
{
    public volatile bool Down;
    private int _queries;

    /// <summary>Calls that reached the store (or failed as if they had).</summary>
    public int Queries => Volatile.Read(ref _queries);

    public void Save(StationCredential credential, DateTimeOffset createdAt) => Up().Save(credential, createdAt);

    public StationCredential? Find(string stationId) => Up().Find(stationId);

    public IReadOnlyList<string> List() => Up().List();

    public IReadOnlyList<StationCredential> Credentials() => Up().Credentials();

    public bool Remove(string stationId) => Up().Remove(stationId);

    private IStationStore Up()
    {
        Interlocked.Increment(ref _queries);
        return Down ? throw new TimeoutException("the database did not answer") : inner;
    }
}

