namespace Zamio.Agent.Sources;

/// <summary>
/// A network stream read synchronously (the decoders pull) that fails with an <see cref="IOException"/> when no byte
/// arrives for <c>idle</c>: a stream server that stops sending without closing would otherwise block capture for ever,
/// with no reconnect and no capture error reported.
/// </summary>
internal sealed class IdleTimeoutStream(Stream inner, TimeSpan idle) : Stream
{
    private CancellationTokenSource _timer = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (!_timer.TryReset())
        {
            _timer.Dispose();
            _timer = new CancellationTokenSource();
        }

        _timer.CancelAfter(idle);
        try
        {
            return inner.ReadAsync(buffer.AsMemory(offset, count), _timer.Token).AsTask().GetAwaiter().GetResult();
        }
        catch (OperationCanceledException ex)
        {
            throw new IOException($"no data for {idle.TotalSeconds:0} s", ex);
        }
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
            _timer.Dispose();
        }

        base.Dispose(disposing);
    }
}
