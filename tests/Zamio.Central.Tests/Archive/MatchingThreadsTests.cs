using System.Collections.Concurrent;
using Zamio.Central.Archive;

namespace Zamio.Central.Tests.Archive;

public sealed class MatchingThreadsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RunAsync_Background_EveryThreadAtTheLowestPriorityAndTheCallersUntouched()
    {
        var background = new ConcurrentBag<string>();
        var foreground = new ConcurrentBag<string>();

        await MatchingThreads.RunAsync(2, background: true, () => background.Add(OwnPriority())).WaitAsync(Patience);
        await MatchingThreads.RunAsync(1, background: false, () => foreground.Add(OwnPriority())).WaitAsync(Patience);

        var lowest = OperatingSystem.IsWindows() ? nameof(ThreadPriority.Lowest) : "19";
        Assert.Equal([lowest, lowest], background);
        Assert.Equal([ProcessPriority()], foreground);
        Assert.NotEqual(lowest, OwnPriority());
    }

    [Fact]
    public async Task RunAsync_Background_TheCallersContinuationAndTheThreadsItStartsKeepTheCallersPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the inheritance of a thread's nice value is Linux's
        }

        var (continuation, started) = await Task.Run(AwaitAsTheRematchDoesAsync);

        Assert.Equal(ProcessPriority(), continuation);
        Assert.Equal(ProcessPriority(), started);
    }

    // As the rematch awaits it: without a context, so the continuation runs on whichever thread completes the task.
    private static async Task<(string Continuation, string Started)> AwaitAsTheRematchDoesAsync()
    {
        await MatchingThreads.RunAsync(1, background: true, () => Thread.Sleep(50)).WaitAsync(Patience).ConfigureAwait(false);
        var continuation = OwnPriority();
        var started = "";
        await MatchingThreads.RunAsync(1, background: false, () => started = OwnPriority()).WaitAsync(Patience).ConfigureAwait(false);
        return (continuation, started);
    }

    [Fact]
    public async Task RunAsync_WorkThrows_CompletesWithThatExceptionOnceEveryThreadEnded()
    {
        var ran = 0;

        var run = MatchingThreads.RunAsync(3, background: true, () =>
        {
            if (Interlocked.Increment(ref ran) == 2)
            {
                throw new InvalidDataException("a damaged archive");
            }
        });

        var thrown = await Assert.ThrowsAsync<InvalidDataException>(() => run.WaitAsync(Patience));
        Assert.Equal("a damaged archive", thrown.Message);
        Assert.Equal(3, ran);
    }

    // Linux: the nice value of this thread (/proc/thread-self/stat, field 19); Windows: its priority.
    private static string OwnPriority() =>
        OperatingSystem.IsWindows() ? Thread.CurrentThread.Priority.ToString() : NiceIn("/proc/thread-self/stat");

    private static string ProcessPriority() =>
        OperatingSystem.IsWindows() ? nameof(ThreadPriority.Normal) : NiceIn("/proc/self/stat");

    // The fields after the command name, which may hold spaces and ends at the last ')'; nice is the 19th field overall.
    private static string NiceIn(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16];
    }
}
