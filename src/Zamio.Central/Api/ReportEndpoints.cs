using System.Globalization;
using Zamio.Central.Catalog;
using Zamio.Central.Plays;

namespace Zamio.Central.Api;

/// <summary>
/// <c>GET /api/v1/reports/airplay?from=&amp;to=[&amp;station=][&amp;format=csv]</c>: per station and track, the plays that
/// began in [from, to), their airtime and how many are still ongoing, with title, artist and ISRC.
/// </summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReports(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/reports/airplay", AirplayAsync);
        return endpoints;
    }

    private static async Task<IResult> AirplayAsync(
        HttpContext context, PlayStore plays, TrackMetadataCache metadata, ReadAccess access, string? from, string? to, string? station, string? format)
    {
        if (access.CheckStation(context.Request, station) is { } denied)
        {
            return denied;
        }

        if (ApiEndpoints.RepeatedParameter(context.Request, "station", "from", "to", "format") is { } repeated)
        {
            return repeated;
        }

        if (!IsoTime.TryParseOptional(from, out var fromTime) || !IsoTime.TryParseOptional(to, out var toTime))
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "'from' and 'to' must be ISO 8601 timestamps.");
        }

        if (AirplayReport.CheckPeriod(fromTime, toTime) is { } problem)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, problem);
        }

        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (!csv && format is not null && !string.Equals(format, "json", StringComparison.OrdinalIgnoreCase))
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "'format' is json (the default) or csv.");
        }

        var totals = plays.Airplay(string.IsNullOrEmpty(station) ? null : station, fromTime!.Value, toTime!.Value);
        var lines = AirplayReport.Describe(totals, await metadata.GetAsync(context.RequestAborted).ConfigureAwait(false));
        if (!csv)
        {
            return Results.Ok(lines);
        }

        using var text = new StringWriter(CultureInfo.InvariantCulture);
        AirplayReport.WriteCsv(text, lines);
        var name = $"airplay-{Stamp(fromTime.Value)}-{Stamp(toTime.Value)}.csv";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{name}\"";
        return Results.Text(text.ToString(), "text/csv; charset=utf-8");
    }

    private static string Stamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
}
