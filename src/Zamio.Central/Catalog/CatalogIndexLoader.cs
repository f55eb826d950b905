namespace Zamio.Central.Catalog;

/// <summary>Loads the index before the broker and HTTP API start taking traffic.</summary>
public sealed class CatalogIndexLoader(CatalogIndex index) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        index.Load();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
