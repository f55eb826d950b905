using Zamio.Shared.IO;

namespace Zamio.Central.Caching;

/// <summary>Cuts what is written into fixed-size chunks and hands each one over as soon as it is full.</summary>
/// <remarks>The buffer is reused: the callback must be done with a chunk when it returns.</remarks>
public sealed class ChunkWriteStream(int chunkBytes, Action<int, ReadOnlyMemory<byte>> onChunk) : Stream
{
    private readonly byte[] _buffer = new byte[chunkBytes];
    private int _filled;
    private long _length;

    public int Chunks { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            _length += take;
            buffer = buffer[take..];
            if (_filled == _buffer.Length)
            {
                Emit();
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Hands over the last, partial chunk.</summary>
    public override void Flush()
    {
        if (_filled > 0)
        {
            Emit();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Emit()
    {
        onChunk(Chunks++, _buffer.AsMemory(0, _filled));
        _filled = 0;
    }
}

/// <summary>
/// Reads chunks back to back as one stream of a known length (so a decoder can check it up front). The chunks may
/// still be arriving: the enumeration blocks until the next one is there, so decoding overlaps the transfer.
/// </summary>
public sealed class ChunkReadStream(IEnumerable<ReadOnlyMemory<byte>> chunks, long length) : ReadOnlyStream
{
    private readonly IEnumerator<ReadOnlyMemory<byte>> _chunks = chunks.GetEnumerator();
    private ReadOnlyMemory<byte> _current;
    private long _position;

    public ChunkReadStream(IReadOnlyList<ReadOnlyMemory<byte>> chunks)
        : this(chunks, chunks.Sum(c => (long)c.Length))
    {
    }

    public override bool CanSeek => true;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length && (!_current.IsEmpty || NextChunk()))
        {
            var take = Math.Min(_current.Length, buffer.Length - read);
            _current.Span[..take].CopyTo(buffer[read..]);
            _current = _current[take..];
            read += take;
        }

        _position += read;
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _chunks.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool NextChunk()
    {
        // Skips empty chunks; a consumed chunk is dropped here, so memory is released as decoding goes.
        while (_chunks.MoveNext())
        {
            _current = _chunks.Current;
            if (!_current.IsEmpty)
            {
                return true;
            }
        }

        return false;
    }
}
