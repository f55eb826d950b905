namespace Zamio.Perf;

/// <summary>Polls the managed heap size and the working set on a background thread and keeps the maxima.</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _maxHeap;
    private long _maxWorkingSet;

    public MemorySampler(int intervalMs = 100)
    {
        _thread = new Thread(() =>
        {
            while (!_stop)
            {
                Sample();
                Thread.Sleep(intervalMs);
            }
        })
        { IsBackground = true, Name = "memory-sampler" };
        _thread.Start();
    }

    public long MaxHeap => Interlocked.Read(ref _maxHeap);

    public long MaxWorkingSet => Interlocked.Read(ref _maxWorkingSet);

    public void Sample()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: false);
        var ws = Environment.WorkingSet;
        InterlockedMax(ref _maxHeap, heap);
        InterlockedMax(ref _maxWorkingSet, ws);
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        Sample();
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref target)))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                break;
            }
        }
    }
}
