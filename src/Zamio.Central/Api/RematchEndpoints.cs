using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using Zamio.Central.Archive;
using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Shared.Wire;

namespace Zamio.Central.Api;

/// <summary>
/// Rematching from the fingerprint archive over HTTP (admin), as the <c>rematch</c> verb does on the command line:
/// <c>POST /api/v1/rematches?from=&amp;to=[&amp;station=][&amp;track=...][&amp;write=true]</c> queues a job (202, its
/// address in <c>Location</c>), <c>GET /api/v1/rematches/{id}</c> shows its progress and, once done, the plays found;
/// <c>GET /api/v1/rematches[?limit=]</c> lists the latest jobs (50 by default), newest first, without their plays.
/// </summary>
public static class RematchEndpoints
{
    public static IEndpointRouteBuilder MapRematches(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/rematches", Start);
        endpoints.MapGet("/api/v1/rematches", List);
        endpoints.MapGet("/api/v1/rematches/{id}", Show);
        return endpoints;
    }

    private static IResult Start(
        HttpContext context, AdminAuth admin, CatalogIndex catalog, RematchJobs jobs, IOptions<ArchiveOptions> archive, IOptions<ServeOptions> serve,
        string? station, string? from, string? to, string? write)
    {
        var request = context.Request;
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        if (ApiEndpoints.RepeatedParameter(request, "station", "from", "to", "write") is { } repeated)
        {
            return repeated;
        }

        if (Invalid(station, from, to, write, out var period, out var writes) is { } invalid)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, invalid);
        }

        if (!catalog.IsLoaded)
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, "The index is not loaded yet.");
        }

        var tracks = request.Query["track"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToHashSet(StringComparer.Ordinal);
        if (tracks.Where(t => !catalog.Contains(t)).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } unknown)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"Not in the catalogue: {string.Join(", ", unknown)}.");
        }

        var roots = new[] { archive.Value.ResolveDirectory(serve.Value.DataDirectory) };
        var readers = RematchRun.Readers(roots, station, period.From, period.To);
        if (readers.Count == 0)
        {
            var whose = station is null ? "any station" : $"station '{station}'";
            return ApiResults.Problem(StatusCodes.Status404NotFound, $"No archived packets of {whose} between {period.From:O} and {period.To:O}.");
        }

        var run = new RematchRun(roots, period.From, period.To, catalog.Index, tracks.Count > 0 ? tracks : null, writes);
        if (jobs.TryQueue(station, run, readers) is not { } job)
        {
            context.Response.Headers.RetryAfter = "60";
            return ApiResults.Problem(StatusCodes.Status429TooManyRequests, $"{RematchJobs.QueueCapacity} rematches already wait; retry later.");
        }

        return Results.Accepted($"/api/v1/rematches/{job.Id}", RematchResponse.Of(job));
    }

    private const int MaxListed = 1000;

    private static IResult List(HttpRequest request, AdminAuth admin, RematchJobs jobs, string? limit)
    {
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        if (ApiEndpoints.RepeatedParameter(request, "limit") is { } repeated)
        {
            return repeated;
        }

        if (Paging.ParseLimit(limit, MaxListed, out var size, fallback: 50) is { } badLimit)
        {
            return badLimit;
        }

        return Stored(() => Results.Ok(jobs.Latest(size)));
    }

    private static IResult Show(string id, HttpRequest request, AdminAuth admin, RematchJobs jobs)
    {
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        return Stored(() => jobs.Show(id) is { } job ? Results.Ok(job) : ApiResults.Problem(StatusCodes.Status404NotFound, $"No rematch '{id}'."));
    }

    private static IResult Stored(Func<IResult> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is DbException or TimeoutException)
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, "The database holding rematch jobs did not answer; retry shortly.");
        }
    }

    private static string? Invalid(string? station, string? from, string? to, string? write, out (DateTimeOffset From, DateTimeOffset To) period, out bool writes)
    {
        period = default;
        writes = false;
        if (station is not null && StationIds.RegistrationError(station) is { } error)
        {
            return $"'station': {error}";
        }

        if (string.IsNullOrEmpty(from) || string.IsNullOrEmpty(to))
        {
            return "'from' and 'to' are required.";
        }

        if (!IsoTime.TryParseOptional(from, out var fromTime) || !IsoTime.TryParseOptional(to, out var toTime) || fromTime is not { } start || toTime is not { } end)
        {
            return "'from' and 'to' must be ISO 8601 timestamps.";
        }

        if (end <= start)
        {
            return "'to' must be later than 'from'.";
        }

        if (end - start > RematchRun.MaxPeriod)
        {
            return string.Create(CultureInfo.InvariantCulture, $"A rematch covers at most {RematchRun.MaxPeriod.TotalDays:0} days at a time.");
        }

        if (write is not null && !bool.TryParse(write, out writes))
        {
            return "'write' must be true or false.";
        }

        period = (start, end);
        return null;
    }
}
