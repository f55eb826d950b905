using System.Text;
using Zamio.Shared.IO;

namespace Zamio.Agent.Sources;

/// <summary>
/// Removes SHOUTcast/Icecast in-band metadata from a stream: after every <c>icy-metaint</c> audio bytes comes
/// one length byte (×16) and that many bytes of <c>StreamTitle='...';</c> text. Titles go to a callback.
/// </summary>
public sealed class IcyMetadataStream(Stream inner, int metaInterval, Action<string> onTitle) : ReadOnlyStream
{
    private readonly int _metaInterval = metaInterval;
    private int _untilMetadata = metaInterval;

    public static string? ParseTitle(string metadata)
    {
        const string Key = "StreamTitle='";
        var start = metadata.IndexOf(Key, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        start += Key.Length;
        var end = metadata.IndexOf("';", start, StringComparison.Ordinal);
        if (end < 0)
        {
            end = metadata.LastIndexOf('\'');
        }

        return end > start ? metadata[start..end] : end == start ? string.Empty : null;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_untilMetadata == 0)
        {
            if (!ReadMetadata())
            {
                return 0;
            }
        }

        var read = inner.Read(buffer[..Math.Min(buffer.Length, _untilMetadata)]);
        _untilMetadata -= read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool ReadMetadata()
    {
        var lengthByte = inner.ReadByte();
        if (lengthByte < 0)
        {
            return false;
        }

        _untilMetadata = _metaInterval;
        if (lengthByte == 0)
        {
            return true;
        }

        var metadata = new byte[lengthByte * 16];
        if (inner.ReadAtLeast(metadata, metadata.Length, throwOnEndOfStream: false) < metadata.Length)
        {
            return false;
        }

        // Stations send Latin-1 or UTF-8; UTF-8 with replacement is the common choice of players.
        var text = Encoding.UTF8.GetString(metadata).TrimEnd('\0');
        if (ParseTitle(text) is { } title)
        {
            onTitle(title);
        }

        return true;
    }
}
