using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Zamio.Agent.Tests;

/// <summary>
/// A SHOUTcast-like stream on loopback: an MP3 looped at its real-time byte rate with in-band ICY titles. The
/// first connection is reset after <c>firstConnectionAudio</c>, as when a station's encoder or link drops;
/// later connections stream until the server is disposed.
/// </summary>
internal sealed class IcyStreamServer : IAsyncDisposable
{
    private const int MetaInterval = 1000;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _mp3;
    private readonly int _bytesPerSecond;
    private readonly TimeSpan _firstConnectionAudio;
    private readonly long _burstBytes;
    private readonly byte[] _metadata;
    private Task _accepting = Task.CompletedTask;
    private int _connections;

    /// <param name="burst">Audio sent at once on every connection before the real-time pace, as Icecast sends
    /// recent audio to a new listener.</param>
    public IcyStreamServer(byte[] mp3, int bytesPerSecond, TimeSpan firstConnectionAudio, string title, TimeSpan burst = default)
    {
        _burstBytes = (long)(burst.TotalSeconds * bytesPerSecond);
        _mp3 = mp3;
        _bytesPerSecond = bytesPerSecond;
        _firstConnectionAudio = firstConnectionAudio;
        var text = Encoding.UTF8.GetBytes($"StreamTitle='{title}';");
        _metadata = new byte[1 + ((text.Length + 15) / 16 * 16)];
        _metadata[0] = (byte)((text.Length + 15) / 16);
        text.CopyTo(_metadata, 1);
    }

    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/live.mp3";

    public int Connections => Volatile.Read(ref _connections);

    public void Start()
    {
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync(CancellationToken cancellationToken)
    {
        var streams = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                var first = Interlocked.Increment(ref _connections) == 1;
                streams.Add(ServeAsync(client, first ? _firstConnectionAudio : Timeout.InfiniteTimeSpan, cancellationToken));
            }
        }
        finally
        {
            await Task.WhenAll(streams.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    private async Task ServeAsync(TcpClient client, TimeSpan cutAfter, CancellationToken cancellationToken)
    {
        using (client)
        {
            var stream = client.GetStream();
            try
            {
                await ReadRequestAsync(stream, cancellationToken);
                var header = $"HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-name: test\r\nicy-metaint: {MetaInterval.ToString(CultureInfo.InvariantCulture)}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header), cancellationToken);
                var limit = cutAfter == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)(cutAfter.TotalSeconds * _bytesPerSecond);
                await StreamAudioAsync(stream, limit, cancellationToken);

                // Reset, not a clean close: the connection dies mid-stream.
                client.Client.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // The agent went away or the test is over.
            }
        }
    }

    /// <summary>Real-time pace after the burst: a tenth of a second of MP3 bytes every 100 ms, a title every MetaInterval bytes.</summary>
    private async Task StreamAudioAsync(NetworkStream stream, long limit, CancellationToken cancellationToken)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var chunk = _bytesPerSecond / 10;
        long sent = 0;
        var position = 0;
        var untilMetadata = MetaInterval;
        while (sent < limit)
        {
            for (var left = chunk; left > 0;)
            {
                var n = Math.Min(Math.Min(left, untilMetadata), _mp3.Length - position);
                await stream.WriteAsync(_mp3.AsMemory(position, n), cancellationToken);
                position = (position + n) % _mp3.Length;
                left -= n;
                untilMetadata -= n;
                if (untilMetadata == 0)
                {
                    await stream.WriteAsync(_metadata, cancellationToken);
                    untilMetadata = MetaInterval;
                }
            }

            sent += chunk;
            if (sent >= _burstBytes)
            {
                await tick.WaitForNextTickAsync(cancellationToken);
            }
        }
    }

    private static async Task ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                throw new IOException("client closed before sending a request");
            }

            total += read;
            if (buffer.AsSpan(0, total).IndexOf("\r\n\r\n"u8) >= 0)
            {
                return;
            }
        }
    }
}
