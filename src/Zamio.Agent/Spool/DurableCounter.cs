using System.Buffers.Binary;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Spool;

/// <summary>
/// A persisted unsigned counter written in place without temp files. Two CRC-protected slots are written
/// alternately, so a torn write (power cut mid-write) leaves the other slot, one step older, readable.
/// </summary>
internal sealed class DurableCounter : IDisposable
{
    private const int SlotSize = 16;

    private readonly FileStream _file;
    private readonly byte[] _buffer = new byte[SlotSize];
    private int _nextSlot;
    private ulong _generation;

    public DurableCounter(string path)
    {
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        Value = Load();
    }

    public ulong Value { get; private set; }

    /// <summary>Writes the value to the OS (survives a process kill); <paramref name="durable"/> also fsyncs (survives power loss).</summary>
    public void Write(ulong value, bool durable)
    {
        // Value moves only once written: a sequence reservation the disk refused must not be counted on after a power cut.
        _generation++;
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer, value);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(8), (uint)_generation);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(12), Crc32.Compute(_buffer.AsSpan(0, 12)));
        _file.Position = _nextSlot * SlotSize;
        _file.Write(_buffer);
        _file.Flush(durable);
        _nextSlot ^= 1;
        Value = value;
    }

    public void Sync() => _file.Flush(flushToDisk: true);

    public void Dispose() => _file.Dispose();

    private ulong Load()
    {
        Span<byte> slots = stackalloc byte[2 * SlotSize];
        _file.Position = 0;
        var read = _file.ReadAtLeast(slots, slots.Length, throwOnEndOfStream: false);
        ulong best = 0;
        uint bestGeneration = 0;
        var found = false;
        for (var slot = 0; slot < 2; slot++)
        {
            var s = slots.Slice(slot * SlotSize, SlotSize);
            if (read < (slot + 1) * SlotSize
                || BinaryPrimitives.ReadUInt32LittleEndian(s[12..]) != Crc32.Compute(s[..12]))
            {
                continue;
            }

            var generation = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
            if (!found || generation > bestGeneration)
            {
                found = true;
                best = BinaryPrimitives.ReadUInt64LittleEndian(s);
                bestGeneration = generation;
                _nextSlot = slot ^ 1; // overwrite the older slot next
            }
        }

        _generation = bestGeneration;
        return best;
    }
}
