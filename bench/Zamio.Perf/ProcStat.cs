using System.Globalization;

namespace Zamio.Perf;

/// <summary>CPU time and resident memory of another process, read from /proc (Linux only).</summary>
internal static class ProcStat
{
    /// <summary>Kernel clock ticks per second for /proc/PID/stat; 100 on every Linux this runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>utime + stime of <paramref name="pid"/> in seconds, or NaN when the process is gone.</summary>
    public static double CpuSeconds(int pid)
    {
        if (pid <= 0)
        {
            return double.NaN;
        }

        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may contain spaces: fields restart after the last ')'.
            var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // rest[0] is field 3 (state); utime is field 14, stime field 15.
            var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
            var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
            return (utime + stime) / TicksPerSecond;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>
    /// CPU seconds of every process named <paramref name="command"/> (a server's backends: PostgreSQL forks one per
    /// connection, and pooled connections live as long as the run).
    /// </summary>
    public static double CpuSecondsOf(string command)
    {
        var total = 0.0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd() == command && CpuSeconds(pid) is var cpu && !double.IsNaN(cpu))
                {
                    total += cpu;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended between listing and reading.
            }
        }

        return total;
    }

    /// <summary>VmRSS of <paramref name="pid"/> in bytes, or 0.</summary>
    public static long RssBytes(int pid)
    {
        if (pid <= 0)
        {
            return 0;
        }

        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }

        var rank = Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1);
        return sorted[rank];
    }
}
