using System.Net;
using System.Net.Sockets;
using System.Text;
using Zamio.Agent.Sources;

namespace Zamio.Agent.Tests;

/// <summary>A stream server that accepts the connection and then goes quiet, before or after its response headers.</summary>
public sealed class StalledStreamTests
{
    private static readonly TimeSpan SilentFor = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(false, "no response")]
    [InlineData(true, "no data for")]
    public async Task OpenAsync_ServerGoesQuiet_FailsAsUnavailableInsteadOfWaitingForEver(bool sendHeaders, string reason)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = QuietServerAsync(listener, sendHeaders);
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var source = new HttpAudioSource(new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/live.mp3"), http, SilentFor);

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(() => source.OpenAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        listener.Stop();
        await serving.WaitAsync(TimeSpan.FromSeconds(30));
    }

    // Answers (or not) and then holds the connection open without sending a byte until the client gives up.
    private static async Task QuietServerAsync(TcpListener listener, bool sendHeaders)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var request = new byte[4096];
        _ = await stream.ReadAsync(request);
        if (sendHeaders)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nConnection: close\r\n\r\n"));
        }

        // Returns 0 once the client has closed its side (it gave up), which is what the test waits for.
        while (await stream.ReadAsync(request) > 0)
        {
        }
    }
}
