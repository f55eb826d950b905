using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Zamio.Central.Hosting;

namespace Zamio.Central.Tests.Api;

public sealed class IdentifyLimiterTests
{
    [Fact]
    public async Task Identify_MoreRequestsThanItRunsAndQueues_AreRefusedWith429AndRetryAfter()
    {
        using var dir = new TempDirectory();
        await using var app = ServeHost.Build(
            ["serve", "--data-dir", dir.Combine("data"), "--urls", "http://127.0.0.1:0", "--mqtt-port", "0"],
            new Dictionary<string, string?> { ["Zamio:IdentifyConcurrency"] = "1", ["Zamio:IdentifyQueue"] = "0" });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()) };
        await WaitAsync(async () => (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode, "ready");

        // The one permit is held by a request whose body has not arrived yet (its headers promise 100 bytes). Only once
        // the limiter has leased it to that request is a second one sent: sent earlier, the second could take the
        // permit first and the held request would be the one refused.
        var leased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leases = ListenForLeases(app.Services.GetRequiredService<IMeterFactory>(), leased);
        using var held = new System.Net.Sockets.TcpClient();
        await held.ConnectAsync(http.BaseAddress!.Host, http.BaseAddress.Port);
        await held.GetStream().WriteAsync(System.Text.Encoding.ASCII.GetBytes(
            $"POST /api/v1/identify HTTP/1.1\r\nHost: {http.BaseAddress.Authority}\r\nContent-Type: audio/wav\r\nContent-Length: 100\r\n\r\n"));
        await leased.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var refused = await http.PostAsync(new Uri("/api/v1/identify", UriKind.Relative), new ByteArrayContent([]));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1", refused!.Headers.GetValues("Retry-After").Single());
        Assert.Contains("Too many identify requests", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        held.Dispose(); // its request ends with the connection, so the host stops without waiting for it
        await app.StopAsync();
    }

    /// <summary>Completes <paramref name="leased"/> when this host's rate limiter leases a permit to a request.</summary>
    private static MeterListener ListenForLeases(IMeterFactory hostMeters, TaskCompletionSource leased)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == hostMeters && instrument.Name == "aspnetcore.rate_limiting.active_request_leases")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, change, _, _) =>
        {
            if (change > 0)
                leased.TrySetResult();
        });
        listener.Start();
        return listener;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            Assert.False(timeout.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Yield();
        }
    }
}
