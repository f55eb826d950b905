using Zamio.Central.Catalog;
using Zamio.Central.Tests.Integration;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Central.Tests.Catalog;

/// <summary>An embedded <c>serve</c> picks up catalogue changes another process writes to its store.</summary>
public sealed class EmbeddedCatalogWatcherTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Poll_TrackAddedAndRemovedByAnotherProcess_LiveWithoutRestart()
    {
        using var dir = new TempDirectory();
        await using var host = await IntegrationHost.StartAsync(dir.Path, new Dictionary<string, string?>
        {
            ["Zamio:Storage:EmbeddedCatalogPollMilliseconds"] = "100",
        });
        var index = host.Get<CatalogIndex>();
        var added = IntegrationHost.WhenIndex(index, i => i.Contains("from-cli"));

        // What `catalog add` does: a write to the store file through its own connection.
        using (var cli = SqliteCatalogStore.Open(dir.Path))
        {
            cli.Upsert(
                new CatalogTrack("from-cli", null, null, null, 30, FingerprintSettings.AlgorithmVersion, DateTimeOffset.UnixEpoch),
                IntegrationHost.SyntheticPeaks(11));
        }

        await added.WaitAsync(Patience);
        var removed = IntegrationHost.WhenIndex(index, i => !i.Contains("from-cli"));
        using (var cli = SqliteCatalogStore.Open(dir.Path))
        {
            Assert.True(cli.Remove("from-cli"));
        }

        await removed.WaitAsync(Patience);
        Assert.Equal(0, await host.Get<IEnumerable<Microsoft.Extensions.Hosting.IHostedService>>().OfType<EmbeddedCatalogWatcher>().Single().PollAsync(CancellationToken.None));
    }
}
