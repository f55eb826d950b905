using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
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
    public static Task RunAsync(int count, bool background, Action work)
    {
        // On Linux a thread inherits the nice value of the thread that starts it. A lowered thread that completed the
        // task would run the caller's continuation, and every thread that continuation starts (a thread-pool worker the
        // runtime adds while it queues work included) would run at the lowest priority for good. So the threads only run
        // the work and end; a thread at the caller's priority waits for them and completes the task.
        var failures = new ConcurrentQueue<ExceptionDispatchInfo>();
        var threads = Enumerable.Range(0, count).Select(_ => new Thread(() =>
        {
            try
            {
                if (background)
                {
                    Lower();
                }

                work();
            }
            catch (Exception ex)
            {
                failures.Enqueue(ExceptionDispatchInfo.Capture(ex));
            }
        })
        { IsBackground = true, Name = background ? "zamio-background-match" : "zamio-match" }).ToList();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        return Task.Factory.StartNew(
            () =>
            {
                foreach (var thread in threads)
                {
                    thread.Join();
                }

                if (failures.TryPeek(out var first))
                {
                    first.Throw();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }

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
