using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Metrics;
using Zamio.Central.Stations;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Metrics;

public sealed class PrometheusExporterTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Scrape_AfterAFullCollection_ExportsTheRuntimesCollectionsAndCpuTime()
    {
        var time = new FakeTimeProvider();
        var catalog = new CatalogIndex(new SqliteCatalogRepository(_dir.Combine("data")), time, NullLogger<CatalogIndex>.Instance);
        using var metrics = new CentralMetrics(catalog, new StationActivity(time), new IngestQueue(Options.Create(new ServeOptions())));
        using var exporter = new PrometheusExporter(metrics);
        var before = Value(exporter.Scrape(), "dotnet_gc_collections_total{gc_heap_generation=\"gen2\"}");

        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var text = exporter.Scrape();

        Assert.True(Value(text, "dotnet_gc_collections_total{gc_heap_generation=\"gen2\"}") > before, "the forced collection is counted");
        Assert.True(Value(text, "dotnet_process_cpu_time_seconds_total{cpu_mode=\"user\"}") > 0, "the process's CPU time is exported");
        Assert.Contains("# TYPE dotnet_gc_pause_time_seconds_total counter\n", text, StringComparison.Ordinal);
    }

    private static double Value(string text, string series) =>
        double.Parse(Assert.Single(text.Split('\n'), l => l.StartsWith(series + " ", StringComparison.Ordinal))[(series.Length + 1)..], CultureInfo.InvariantCulture);
}
