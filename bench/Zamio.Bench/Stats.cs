namespace Zamio.Bench;

/// <summary>Median, 95th percentile and maximum of absolute errors in seconds.</summary>
internal sealed record ErrorStats(int Count, double Median, double P95, double Max)
{
    public static ErrorStats Of(IEnumerable<double> values)
    {
        var sorted = values.Select(Math.Abs).Order().ToArray();
        return sorted.Length == 0
            ? new ErrorStats(0, double.NaN, double.NaN, double.NaN)
            : new ErrorStats(sorted.Length, Percentile(sorted, 0.5), Percentile(sorted, 0.95), sorted[^1]);
    }

    /// <summary>Linear interpolation between closest ranks.</summary>
    public static double Percentile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (pos - lo));
    }
}
