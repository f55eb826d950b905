using Zamio.Shared.IO;

namespace Zamio.Shared.Audio;

/// <summary>
/// Replays bytes already peeked from a non-seekable stream, then continues with the stream itself.
/// Position reports bytes read so far, because NLayer reads it even on non-seekable streams.
/// </summary>
internal sealed class PrefixedStream : ReadOnlyStream
{
    private readonly byte[] prefix;
    private readonly Stream inner;
    private int prefixPosition;
    private long position;

    public PrefixedStream(byte[] prefix, Stream inner)
    {
        this.prefix = prefix;
        this.inner = inner;
    }

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        if (prefixPosition < prefix.Length)
        {
            int count = Math.Min(buffer.Length, prefix.Length - prefixPosition);
            prefix.AsSpan(prefixPosition, count).CopyTo(buffer);
            prefixPosition += count;
            position += count;
            return count;
        }

        int read = inner.Read(buffer);
        position += read;
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
}
