using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Stations;
using Zamio.Central.Storage;
using Zamio.Central.Tests.Serve;

namespace Zamio.Central.Tests.Ingest;

/// <summary>A running embedded broker on a free port, with the embedded station file behind it.</summary>
internal sealed class BrokerRig : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();

    private BrokerRig()
    {
        Options = Microsoft.Extensions.Options.Options.Create(new ServeOptions { IngestWorkers = 1, MqttPort = ServeFixture.FreePort() });
        Backend = new SwitchableStationStore(new SqliteStationStore(CentralDatabase.Open(_dir.Combine("data"))));
        Stations = new StationStore(Backend, Time);
        Queue = new IngestQueue(Options);
        Broker = new EmbeddedBroker(Options, Stations, new StationActivity(Time), Queue, Time, NullLogger<EmbeddedBroker>.Instance);
    }

    public FakeTimeProvider Time { get; } = new();

    public IOptions<ServeOptions> Options { get; }

    /// <summary>The station rows, which can be made to fail like an unreachable database.</summary>
    public SwitchableStationStore Backend { get; }

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
