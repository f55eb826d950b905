using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Zamio.Central.Tests.Integration;

/// <summary>
/// A TCP relay in front of a real server that can stop passing the server's replies on while the connection stays up:
/// a server that is connected but does not answer (paused, swapping, a stalled network), which a closed port cannot show.
/// </summary>
internal sealed class StallingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private TaskCompletionSource _replies = Open();

    private StallingProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>Relays to the Redis of <paramref name="redisConfiguration"/>.</summary>
    public static StallingProxy ForRedis(string redisConfiguration) =>
        new(ConfigurationOptions.Parse(redisConfiguration).EndPoints[0] switch
        {
            IPEndPoint ip => ip,
            DnsEndPoint dns => new IPEndPoint(Dns.GetHostAddresses(dns.Host)[0], dns.Port),
            var other => throw new ArgumentException($"cannot relay to {other}", nameof(redisConfiguration)),
        });

    /// <summary>Connect here instead of to the server.</summary>
    public string Configuration => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Requests still reach the server; its replies wait until <see cref="Resume"/>.</summary>
    public void Stall() => Interlocked.CompareExchange(ref _replies, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), _replies);

    public void Resume() => _replies.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Resume();
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var server = new TcpClient();
                lock (_clients)
                {
                    _clients.Add(client);
                    _clients.Add(server);
                }

                await server.ConnectAsync(_upstream.Address, _upstream.Port, _stop.Token);
                _ = PumpAsync(client.GetStream(), server.GetStream(), gated: false);
                _ = PumpAsync(server.GetStream(), client.GetStream(), gated: true);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // The proxy was disposed.
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool gated)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (gated)
                {
                    await _replies.Task.WaitAsync(_stop.Token);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Either side closed, or the proxy was disposed.
        }
    }
}
