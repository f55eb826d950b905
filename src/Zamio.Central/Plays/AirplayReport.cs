using System.Globalization;
using System.Text;
using Zamio.Central.Catalog;

namespace Zamio.Central.Plays;

/// <summary>Airtime of one track on one station over a period, as the play store sums it.</summary>
public sealed record AirplayTotal(
    string Station, string Track, int Plays, int Ongoing, double Seconds, DateTimeOffset FirstStart, DateTimeOffset LastEnd);

/// <summary>A line of the airplay report: the totals with the catalogue's title, artist and ISRC (null when unknown).</summary>
public sealed record AirplayLine(
    string Station, string Track, string? Title, string? Artist, string? Isrc,
    int Plays, int Ongoing, double Seconds, DateTimeOffset FirstStart, DateTimeOffset LastEnd);

/// <summary>
/// The airplay report rights holders are paid from: per station and track, the plays that began in a period, their
/// airtime and how many are still ongoing (a report of a period not yet over says so). As JSON or as CSV for a
/// spreadsheet.
/// </summary>
public static class AirplayReport
{
    /// <summary>The longest period one report covers (the store sums every play in it).</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    public const string CsvHeader = "station,track,title,artist,isrc,plays,ongoing,seconds,first_start,last_end";

    /// <summary>Why a period cannot be reported on, or null when it can.</summary>
    public static string? CheckPeriod(DateTimeOffset? from, DateTimeOffset? to) =>
        from is null || to is null ? "'from' and 'to' are both needed: the report covers the plays that began in [from, to)."
        : to <= from ? "'to' must be later than 'from'."
        : to - from > MaxPeriod ? $"A report covers at most {MaxPeriod.TotalDays:0} days."
        : null;

    public static IReadOnlyList<AirplayLine> Describe(IReadOnlyList<AirplayTotal> totals, IReadOnlyDictionary<string, TrackMetadata> metadata) =>
        [.. totals.Select(t =>
        {
            var track = metadata.GetValueOrDefault(t.Track) ?? TrackMetadata.None;
            return new AirplayLine(t.Station, t.Track, track.Title, track.Artist, track.Isrc, t.Plays, t.Ongoing, Math.Round(t.Seconds, 1), t.FirstStart, t.LastEnd);
        })];

    /// <summary>Starts the CSV: without it, a spreadsheet opened by double-click reads UTF-8 titles as another code page.</summary>
    public const char ByteOrderMark = '\uFEFF';

    public static void WriteCsv(TextWriter writer, IEnumerable<AirplayLine> lines)
    {
        writer.Write(ByteOrderMark);
        writer.Write(CsvHeader);
        writer.Write("\r\n");
        foreach (var line in lines)
        {
            writer.Write(string.Join(',',
                Cell(line.Station, guard: false), Cell(line.Track, guard: false), Cell(line.Title), Cell(line.Artist), Cell(line.Isrc),
                line.Plays.ToString(CultureInfo.InvariantCulture), line.Ongoing.ToString(CultureInfo.InvariantCulture),
                line.Seconds.ToString("0.0", CultureInfo.InvariantCulture), Time(line.FirstStart), Time(line.LastEnd)));
            writer.Write("\r\n");
        }
    }

    internal static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    // RFC 4180 quoting. Free text that a spreadsheet would run as a formula (catalogue titles come from uploads) is
    // prefixed with an apostrophe; identifiers are kept exact, as statements are joined on them.
    internal static string Cell(string? text, bool guard = true)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        if (guard && text[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            text = "'" + text;
        }

        return text.AsSpan().IndexOfAny(",\"\r\n") < 0 ? text : new StringBuilder("\"").Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"').ToString();
    }
}
