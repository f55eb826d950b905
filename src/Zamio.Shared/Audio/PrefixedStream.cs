namespace Zamio.Shared.Audio;

/// <summary>
/// Replays bytes already peeked from a non-seekable stream, then continues with the stream itself.
/// Position reports bytes read so far, because NLayer reads it even on non-seekable streams.
/// </summary>
internal sealed class PrefixedStream : Stream
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

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

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

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
