using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Zamio.Perf;

/// <summary>What the numbers were measured on, and helpers for memory readings.</summary>
internal static class Machine
{
    public static string StartLoad { get; } = LoadAverage();

    public static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    public static long MemTotalBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                {
                    var kb = line["MemTotal:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>1, 5 and 15-minute load averages: other work on the machine inflates wall-clock times.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{parts[0]} / {parts[1]} / {parts[2]}";
        }
        catch (IOException)
        {
            return "n/a";
        }
        catch (UnauthorizedAccessException)
        {
            return "n/a";
        }
    }

    /// <summary>CPU time used by this process so far (user + system, all threads).</summary>
    public static TimeSpan ProcessCpu()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.TotalProcessorTime;
    }

    public static void PrintFooter() =>
        Console.WriteLine($"- Load average (1/5/15 min) at the end: {LoadAverage()}");

    public static long PeakWorkingSet()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64;
    }

    public static long WorkingSet()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }

    /// <summary>
    /// An aggressive, compacting collection, as central runs after an index load: the GC gives what it freed back to
    /// the system instead of keeping it committed. Returns the working set after it.
    /// </summary>
    public static long ReleaseToSystem()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return WorkingSet();
    }

    /// <summary>Managed heap after a full blocking, compacting collection.</summary>
    public static long SettledHeap()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    public static void PrintHeader(string[] args)
    {
        var gcLimit = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        Console.WriteLine($"- Command: `dotnet run --project bench/Zamio.Perf -c Release -- {string.Join(' ', args)}`");
        Console.WriteLine($"- Machine: `nproc` = {Environment.ProcessorCount}, CPU \"{CpuModel()}\", RAM {Format.GiB(MemTotalBytes())}, " +
            $"{RuntimeInformation.OSDescription.Trim()}");
        Console.WriteLine($"- Runtime: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}, " +
            $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, memory available to GC {Format.GiB(gcLimit)}");
        Console.WriteLine($"- Date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}; load average (1/5/15 min) at start: {StartLoad}");
        Console.WriteLine();
    }
}
