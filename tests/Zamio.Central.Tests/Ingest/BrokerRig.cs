using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Stations;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

/// <summary>A running embedded broker on a free port, with the embedded station file behind it.</summary>
internal sealed class BrokerRig : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();

    private BrokerRig()
    {
        Options = Microsoft.Extensions.Options.Options.Create(new ServeOptions { IngestWorkers = 1, MqttPort = ServeFixture.FreePort() });
        Stations = new StationStore(CentralDatabase.Open(_dir.Combine("data")), Time);
        Queue = new IngestQueue(Options);
        Broker = new EmbeddedBroker(Options, Stations, new StationActivity(Time), Queue, Time, NullLogger<EmbeddedBroker>.Instance);
    }

    public FakeTimeProvider Time { get; } = new();

    public IOptions<ServeOptions> Options { get; }

    public StationStore Stations { get; }

    public IngestQueue Queue { get; }

    public EmbeddedBroker Broker { get; }

    public int Port => Options.Value.MqttPort;

    public static async Task<BrokerRig> StartAsync()
    {
        var rig = new BrokerRig();
        await rig.Broker.StartAsync(CancellationToken.None);
        return rig;
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.StopAsync(CancellationToken.None);
        await Broker.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
