using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zamio.Agent.Hosting;
using Zamio.Agent.Spool;

namespace Zamio.Agent.Tests;

/// <summary>Runs the real agent host in process with test configuration.</summary>
internal sealed class AgentRunner : IAsyncDisposable
{
    private readonly IHost _host;

    /// <param name="configure">Changes to the host before it is built (a logger to read, a stub HTTP client).</param>
    public AgentRunner(Dictionary<string, string?> settings, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = AgentHost.CreateBuilder(settings, AppContext.BaseDirectory);
        configure?.Invoke(builder);
        _host = builder.Build();
    }

    public IServiceProvider Services => _host.Services;

    public RunCompletion Completion => Services.GetRequiredService<RunCompletion>();

    public PacketSpool Spool => Services.GetRequiredService<PacketSpool>();

    public static Dictionary<string, string?> Settings(string source, string broker, string spoolDir, string key = "secret") => new()
    {
        ["Agent:StationId"] = "test-fm",
        ["Agent:Key"] = key,
        ["Agent:Source"] = source,
        ["Agent:Broker"] = broker,
        ["Agent:SpoolDir"] = spoolDir,
        ["Agent:Pace"] = "fast",
        ["Agent:MaxBackoffSeconds"] = "2",
    };

    public Task StartAsync() => _host.StartAsync();

    public Task StopAsync() => _host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
        }
    }
}
