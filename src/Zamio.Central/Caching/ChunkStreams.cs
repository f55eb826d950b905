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

/// <summary>Reads chunks back to back as one stream, with a known length (so a decoder can check it up front).</summary>
public sealed class ChunkReadStream(IReadOnlyList<ReadOnlyMemory<byte>> chunks) : Stream
{
    private readonly long _length = chunks.Sum(c => (long)c.Length);
    private int _chunk;
    private int _offset;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length && _chunk < chunks.Count)
        {
            var source = chunks[_chunk].Span[_offset..];
            var take = Math.Min(source.Length, buffer.Length - read);
            source[..take].CopyTo(buffer[read..]);
            read += take;
            _offset += take;
            if (_offset == chunks[_chunk].Length)
            {
                _chunk++;
                _offset = 0;
            }
        }

        _position += read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
