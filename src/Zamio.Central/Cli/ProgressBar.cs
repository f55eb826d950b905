namespace Zamio.Central.Cli;

/// <summary>A one-line progress bar on stderr, drawn only when stderr is a terminal.</summary>
public sealed class ProgressBar(int total, string label)
{
    private readonly bool _enabled = !Console.IsErrorRedirected && total > 0;
    private int _done;

    public void Advance(string item)
    {
        var done = Interlocked.Increment(ref _done);
        if (!_enabled)
        {
            return;
        }

        const int width = 30;
        var filled = (int)((long)done * width / total);
        var name = item.Length > 30 ? item[..27] + "..." : item;
        lock (this)
        {
            Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} {name,-30}");
            if (done == total)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
