namespace Zamio.Central.Metrics;

/// <summary><c>GET /metrics</c> in the Prometheus text format.</summary>
public static class MetricsEndpoints
{
    public static IServiceCollection AddCentralMetrics(this IServiceCollection services)
    {
        services.AddSingleton<CentralMetrics>();
        services.AddSingleton<PrometheusExporter>();
        return services;
    }

    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        // Listen from the start, not from the first scrape: measurements before the listener exists are lost.
        _ = endpoints.ServiceProvider.GetRequiredService<PrometheusExporter>();
        endpoints.MapGet("/metrics", (PrometheusExporter exporter) => Results.Text(exporter.Scrape(), PrometheusExporter.ContentType));
        return endpoints;
    }
}
