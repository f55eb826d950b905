using System.Runtime.InteropServices;

namespace Zamio.Central.Archive;

/// <summary>
/// Dedicated threads for long matching work. In the background they run at the operating system's lowest priority
/// (nice 19 on Linux, the lowest thread priority on Windows), so they take only the CPU live ingest leaves idle:
/// .NET ignores thread priorities on Linux, hence the system call.
/// </summary>
internal static class MatchingThreads
{
    private const int PrioProcess = 0;
    private const int LowestNice = 19;

    /// <summary>Runs <paramref name="work"/> once on each of <paramref name="count"/> new threads; completes when all have returned.</summary>
    public static Task RunAsync(int count, bool background, Action work) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => Task.Factory.StartNew(
            () =>
            {
                // A long-running task has a thread of its own, which ends with it, so the lowered priority goes nowhere else.
                if (background)
                {
                    Lower();
                }

                work();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

    private static void Lower()
    {
        if (OperatingSystem.IsWindows())
        {
            Thread.CurrentThread.Priority = ThreadPriority.Lowest;
        }
        else if (OperatingSystem.IsLinux())
        {
            // The nice value is per thread on Linux: PRIO_PROCESS with a thread id sets this thread's alone. Raising one's
            // own nice needs no privilege; should it fail, the work runs at normal priority.
            _ = SetPriority(PrioProcess, GetThreadId(), LowestNice);
        }
    }

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
