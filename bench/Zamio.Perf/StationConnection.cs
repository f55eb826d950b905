using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Zamio.Perf;

/// <summary>
/// One simulated station's MQTT 5 connection, publishing at QoS 1 over a plain socket. The load bench runs thousands of
/// them on the machine it measures: a full client per station (a receive loop, a keep-alive timer and a thread-pool hop
/// per acknowledgement) took about a third of a core at 2,000 stations, CPU that the measured central then lacked.
/// Here one thread drives every connection: a publish is one send, and its acknowledgement, waiting in the socket
/// by then, is read just before that connection's next publish.
/// </summary>
internal sealed class StationConnection : IDisposable
{
    private const byte ConnectType = 0x10;
    private const byte ConnAckType = 0x20;
    private const byte PublishQos1 = 0x32;
    private const byte PubAckType = 0x40;
    private const byte DisconnectType = 0xE0;
    private const byte NoMatchingSubscribers = 0x10;
    private const int KeepAliveSeconds = 60;

    private readonly Socket _socket;
    private byte[] _send = new byte[4096];
    private readonly byte[] _receive = new byte[8192];
    private int _received;
    private ushort _nextId;

    private StationConnection(Socket socket) => _socket = socket;

    /// <summary>Publishes sent and not yet acknowledged.</summary>
    public int Unacknowledged { get; private set; }

    /// <summary>False once the broker closed the connection or sent something a publisher cannot go on after.</summary>
    public bool IsOpen { get; private set; } = true;

    /// <summary>Connects with a clean start and waits for the broker's CONNACK.</summary>
    public static StationConnection Connect(string host, int port, string clientId, TimeSpan timeout)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = (int)timeout.TotalMilliseconds, SendTimeout = (int)timeout.TotalMilliseconds };
        try
        {
            socket.Connect(host, port);
            var id = Encoding.UTF8.GetBytes(clientId);
            // Variable header: protocol name, level 5, clean start, keep-alive, no properties; payload: the client id.
            var body = new List<byte> { 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 5, 0x02, 0, KeepAliveSeconds, 0, (byte)(id.Length >> 8), (byte)id.Length };
            body.AddRange(id);
            var packet = new byte[1 + 4 + body.Count];
            packet[0] = ConnectType;
            var at = 1 + WriteRemainingLength(packet.AsSpan(1), body.Count);
            body.CopyTo(packet, at);
            socket.Send(packet.AsSpan(0, at + body.Count));

            var connection = new StationConnection(socket);
            var (type, reason) = connection.ReadPacket();
            if (type != ConnAckType || reason != 0)
            {
                throw new IOException($"{clientId}: the broker refused the connection (packet 0x{type:X2}, reason 0x{reason:X2})");
            }

            socket.Blocking = false;
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends a QoS 1 PUBLISH; <paramref name="topic"/> is UTF-8.</summary>
    public void Publish(ReadOnlySpan<byte> topic, ReadOnlySpan<byte> payload)
    {
        // Topic, packet id and an empty property list, then the payload.
        var remaining = 2 + topic.Length + 2 + 1 + payload.Length;
        var size = 1 + 4 + remaining;
        if (_send.Length < size)
        {
            _send = new byte[size * 2];
        }

        _nextId = (ushort)(_nextId % ushort.MaxValue + 1);
        _send[0] = PublishQos1;
        var at = 1 + WriteRemainingLength(_send.AsSpan(1), remaining);
        BinaryPrimitives.WriteUInt16BigEndian(_send.AsSpan(at), (ushort)topic.Length);
        at += 2;
        topic.CopyTo(_send.AsSpan(at));
        at += topic.Length;
        BinaryPrimitives.WriteUInt16BigEndian(_send.AsSpan(at), _nextId);
        at += 2;
        _send[at++] = 0;
        payload.CopyTo(_send.AsSpan(at));
        SendAll(_send.AsSpan(0, at + payload.Length));
        Unacknowledged++;
    }

    /// <summary>
    /// Reads whatever the broker has sent without waiting; returns the publishes acknowledged as delivered (or as
    /// having no subscriber, counted in <paramref name="noSubscribers"/>) and those refused (<paramref name="refused"/>).
    /// </summary>
    public int ReadAcknowledgements(out int noSubscribers, out int refused)
    {
        noSubscribers = 0;
        refused = 0;
        var acknowledged = 0;
        while (IsOpen)
        {
            var read = _socket.Receive(_receive, _received, _receive.Length - _received, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                break;
            }

            if (error != SocketError.Success || read == 0)
            {
                Close();
                break;
            }

            _received += read;
            var at = 0;
            while (TryParse(_receive.AsSpan(at, _received - at), out var type, out var reason, out var consumed))
            {
                at += consumed;
                if (type == PubAckType && reason is 0 or NoMatchingSubscribers)
                {
                    acknowledged++;
                    noSubscribers += reason == NoMatchingSubscribers ? 1 : 0;
                }
                else if (type == PubAckType)
                {
                    refused++;
                }
                else if (type == DisconnectType)
                {
                    Close();
                }
            }

            _receive.AsSpan(at, _received - at).CopyTo(_receive);
            _received -= at;
        }

        // Once closed, whatever was not acknowledged before is lost: nothing is left waiting.
        Unacknowledged = IsOpen ? Unacknowledged - acknowledged - refused : 0;
        return acknowledged;
    }

    /// <summary>Sends DISCONNECT (normal) and closes.</summary>
    public void Dispose()
    {
        if (IsOpen)
        {
            try
            {
                _socket.Blocking = true;
                _socket.Send([DisconnectType, 0]);
            }
            catch (SocketException)
            {
            }
        }

        IsOpen = false;
        _socket.Dispose();
    }

    private void Close() => IsOpen = false;

    // A non-blocking send can take part of a packet when the socket's buffer is full: the rest is sent blocking (rare:
    // the broker reads its clients continuously), so packets are never interleaved or lost.
    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        var sent = _socket.Send(bytes, SocketFlags.None, out var error);
        if (error == SocketError.Success && sent == bytes.Length)
        {
            return;
        }

        if (error is not (SocketError.Success or SocketError.WouldBlock))
        {
            Close();
            throw new SocketException((int)error);
        }

        _socket.Blocking = true;
        try
        {
            _socket.Send(bytes[Math.Max(sent, 0)..]);
        }
        finally
        {
            _socket.Blocking = false;
        }
    }

    // Blocking read of one whole packet (used only while connecting).
    private (byte Type, byte Reason) ReadPacket()
    {
        while (true)
        {
            if (TryParse(_receive.AsSpan(0, _received), out var type, out var reason, out var consumed))
            {
                _receive.AsSpan(consumed, _received - consumed).CopyTo(_receive);
                _received -= consumed;
                return (type, reason);
            }

            var read = _socket.Receive(_receive, _received, _receive.Length - _received, SocketFlags.None);
            if (read == 0)
            {
                throw new IOException("the broker closed the connection");
            }

            _received += read;
        }
    }

    // A complete packet at the start of bytes: its type (high nibble with flags) and, for CONNACK and PUBACK, its reason
    // code (a PUBACK of two bytes means success).
    private static bool TryParse(ReadOnlySpan<byte> bytes, out byte type, out byte reason, out int consumed)
    {
        type = reason = 0;
        consumed = 0;
        if (bytes.Length < 2)
        {
            return false;
        }

        int length = 0, shift = 0, at = 1;
        while (true)
        {
            if (at >= bytes.Length)
            {
                return false;
            }

            var b = bytes[at++];
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }

            shift += 7;
            if (shift > 21)
            {
                throw new IOException("malformed remaining length from the broker");
            }
        }

        if (bytes.Length < at + length)
        {
            return false;
        }

        type = (byte)(bytes[0] & 0xF0);
        reason = type switch
        {
            ConnAckType when length >= 2 => bytes[at + 1],
            PubAckType when length >= 3 => bytes[at + 2],
            _ => 0,
        };
        consumed = at + length;
        return true;
    }

    // MQTT's variable-length integer; returns the bytes written (1-4).
    private static int WriteRemainingLength(Span<byte> into, int value)
    {
        var at = 0;
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            into[at++] = value > 0 ? (byte)(b | 0x80) : b;
        }
        while (value > 0);

        return at;
    }
}
