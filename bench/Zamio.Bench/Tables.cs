using System.Globalization;
using System.Text;

namespace Zamio.Bench;

/// <summary>Fixed-width text tables for the terminal.</summary>
internal static class Tables
{
    public static string Scan(IEnumerable<ScanSummary> rows)
    {
        var sb = new StringBuilder();
        Line(sb, $"{"condition",-12} {"progs",5} {"hours",6} {"pl20+",5} {"recall",7} {"predic",6} {"prec",6} "
            + $"{"false",5} {"f-unk",5} {"shard",5} {"split",5} | {"start med/p95/max (s)",-22} | {"end med/p95/max (s)",-22} | {"speed err med",13} | {"ongoing after med/p95 (s)",-25} | {"clear starts: n, ongoing after",-30} | {"clear: start, end med/p95",-26}");
        foreach (var r in rows)
        {
            Line(sb, $"{r.Condition,-12} {r.Programmes,5} {r.Hours,6:0.00} {r.EligiblePlays,5} {Pct(r.Recall),7} "
                + $"{r.Predicted,6} {Pct(r.Precision),6} {r.FalsePlays,5} {r.FalseOnUnknownMusic,5} {r.OnSharedMaterial,5} {r.SplitPlays,5} | "
                + $"{Err(r.StartError),-22} | {Err(r.EndError),-22} | {Num(r.SpeedError.Median, "0.0000"),13} | {MedianP95(r.ReportDelay),-25} | {r.ClearStartReportDelay.Count + ", " + MedianP95(r.ClearStartReportDelay),-30} | {MedianP95(r.ClearStartError) + ", " + MedianP95(r.ClearEndError),-26}");
        }

        return sb.ToString();
    }

    public static string Clips(ClipSummary s)
    {
        var sb = new StringBuilder();
        Line(sb, $"{"match clips",-16} {"clips",5} {"top-1",7} {"null",5} {"wrong",5} {"offset err med/p95",-20} {"wrong: same audio",17}");
        foreach (var g in s.Matches)
        {
            Line(sb, $"{g.Group,-16} {g.Clips,5} {Pct(g.Accuracy),7} {g.Null,5} {g.Wrong,5} "
                + $"{Num(g.OffsetError.Median, "0.00") + " / " + Num(g.OffsetError.P95, "0.00"),-20} {g.Shared,17}");
        }

        Line(sb, "");
        Line(sb, $"{"no-match clips",-16} {"clips",5} {"null%",7} {"wrong",5}");
        foreach (var g in s.NoMatch)
        {
            Line(sb, $"{g.Group,-16} {g.Clips,5} {Pct(g.Accuracy),7} {g.Wrong,5}");
        }

        if (s.Unanswered > 0)
        {
            Line(sb, FormattableString.Invariant($"({s.Unanswered} clips had no answer line; counted as null)"));
        }

        return sb.ToString();
    }

    private static void Line(StringBuilder sb, FormattableString text) =>
        sb.AppendLine(text.ToString(CultureInfo.InvariantCulture));

    private static void Line(StringBuilder sb, string text) => sb.AppendLine(text);

    private static string Pct(double v) =>
        double.IsNaN(v) ? "-" : (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Num(double v, string format) =>
        double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);

    private static string MedianP95(ErrorStats e) =>
        e.Count == 0 ? "-" : $"{Num(e.Median, "0.0")} / {Num(e.P95, "0.0")}";

    private static string Err(ErrorStats e) =>
        e.Count == 0 ? "-" : $"{Num(e.Median, "0.0")} / {Num(e.P95, "0.0")} / {Num(e.Max, "0.0")}";
}
