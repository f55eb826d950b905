using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Metrics;
using Zamio.Central.Plays;
using Zamio.Central.Stations;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Central.Api;

/// <summary>The HTTP API: health, identify and plays, plus each area's own endpoints.</summary>
public static class ApiEndpoints
{
    private const int MaxPlays = 10_000;

    public static WebApplication MapZamioApi(this WebApplication app)
    {
        app.MapGet("/health/live", () => Results.Ok(new { status = "live" }));
        app.MapGet("/health/ready", Ready);
        app.Use(ApiResults.StoreUnavailableAsync);
        app.UseRateLimiter();
        app.MapPost("/api/v1/identify", IdentifyAsync).RequireRateLimiting(IdentifyLimiter.Policy);
        app.MapGet("/api/v1/plays", GetPlays);
        app.MapLivePlays();
        app.MapReports();
        app.MapStations();
        app.MapUploads();
        app.MapPackets();
        app.MapTracks();
        app.MapRematches();
        app.MapMetrics();
        OpenReadsWarning.Register(app);
        return app;
    }

    // Not ready (503) without an index or a broker; "degraded" (still 200) when Redis or PostgreSQL is down and
    // the service runs on its in-process index, local limiter and play buffer.
    private static async Task<IResult> Ready(CatalogIndex catalog, EmbeddedBroker broker, DependencyHealth storage, IServiceProvider services, CancellationToken cancellationToken)
    {
        var external = services.GetService<ExternalBrokerIngest>();
        var brokerOk = external is not null ? external.IsConnected : broker.Port == 0 || broker.IsRunning;
        var report = await storage.CheckAsync(cancellationToken).ConfigureAwait(false);
        var ready = catalog.IsLoaded && brokerOk;
        var body = new
        {
            status = !ready ? "not-ready" : report.Status,
            index = catalog.IsLoaded ? new { tracks = catalog.TrackCount } : null,
            broker = external is not null ? (external.IsConnected ? "external-connected" : "external-disconnected")
                : broker.Port == 0 ? "disabled" : broker.IsRunning ? "running" : "stopped",
            storage = report,
        };
        return ready ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<IResult> IdentifyAsync(HttpContext context, CatalogIndex catalog, IOptions<ServeOptions> options, CentralMetrics metrics, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxClipBytes;
        var request = context.Request;
        // Multipart framing adds a little; the file part itself is held to the limit below.
        var bodyLimit = limit + (64 * 1024);
        if (request.ContentLength > bodyLimit)
        {
            return TooLarge(limit);
        }

        if (!catalog.IsLoaded)
        {
            return Results.Problem("The index is not loaded yet.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        // On disk, so ffmpeg can seek an MP4/M4A container whose index sits at its end.
        TempUpload? clip;
        string? clientName = null;
        try
        {
            if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) == true)
            {
                var form = await ApiResults.ReadFormAsync(request, null, cancellationToken).ConfigureAwait(false);
                var file = form.Files.GetFile("file");
                if (file is null)
                {
                    return Results.Problem("Multipart requests need a 'file' part.", statusCode: StatusCodes.Status400BadRequest);
                }

                if (file.Length > limit)
                {
                    return TooLarge(limit);
                }

                clientName = file.FileName;
                clip = await TempUpload.SaveAsync(file, "zamio-identify-", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                clip = await TempUpload.SaveAsync(request.Body, limit, "zamio-identify-", cancellationToken).ConfigureAwait(false);
                if (clip is null)
                {
                    return TooLarge(limit);
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }
        catch (InvalidDataException ex)
        {
            return ApiResults.MalformedBody(ex);
        }

        FingerprintedAudio audio;
        using (clip)
        {
            if (new FileInfo(clip.Path).Length == 0)
            {
                return Results.Problem("The clip is empty.", statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                audio = Fingerprinter.FromFile(clip.Path, options.Value.MaxClipSeconds);
            }
            catch (ClipTooLongException ex)
            {
                return Results.Problem($"Too long: {ex.Message}.", statusCode: StatusCodes.Status400BadRequest);
            }
            catch (Exception ex) when (ex is AudioFormatException or InvalidDataException or EndOfStreamException or FormatException or ArgumentException or NotSupportedException)
            {
                return Results.Problem($"Unreadable audio: {clip.Describe(ex, clientName)}", statusCode: StatusCodes.Status400BadRequest);
            }
        }

        Zamio.Shared.Matching.TrackMatch? match;
        using (metrics.Time("identify"))
        {
            match = ClipMatch.Best(catalog.MatcherForThisThread(), audio.Peaks);
        }

        if (match is null)
        {
            return Results.Ok(new IdentifyResponse(null, 0, null, null));
        }

        var figures = ClipFigures.Of(match);
        return Results.Ok(new IdentifyResponse(match.TrackId, figures.Confidence, figures.Offset, figures.Speed));
    }

    private static async Task<IResult> GetPlays(
        HttpContext context, PlayStore plays, TrackMetadataCache metadata, ReadAccess access, string? station, string? from, string? to, string? limit, string? after)
    {
        if (access.CheckStation(context.Request, station) is { } denied)
        {
            return denied;
        }

        if (RepeatedParameter(context.Request, "station", "from", "to", "limit", "after") is { } repeated)
        {
            return repeated;
        }

        if (!IsoTime.TryParseOptional(from, out var fromTime) || !IsoTime.TryParseOptional(to, out var toTime))
        {
            return Results.Problem("'from' and 'to' must be ISO 8601 timestamps.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (fromTime >= toTime)
        {
            return Results.Problem("'to' must be later than 'from'.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (Paging.ParseLimit(limit, MaxPlays, out var pageSize) is { } badLimit)
        {
            return badLimit;
        }

        PlayCursor? cursor = null;
        if (after is not null && !PlayCursor.TryDecode(after, out cursor))
        {
            return Results.Problem("'after' must be a cursor from a previous page's Link header.", statusCode: StatusCodes.Status400BadRequest);
        }

        var page = Paging.Page(context, plays.Query(string.IsNullOrEmpty(station) ? null : station, fromTime, toTime, pageSize + 1, cursor), pageSize,
            p => PlayCursor.After(p).Encode());

        var tracks = await metadata.GetAsync(context.RequestAborted).ConfigureAwait(false);
        return Results.Ok(page.Select(p => PlayResponse.From(p, tracks)));
    }

    /// <summary>400 when a parameter is given twice (the binder would join the values with a comma and match nothing).</summary>
    internal static IResult? RepeatedParameter(HttpRequest request, params string[] names) =>
        names.FirstOrDefault(n => request.Query[n].Count > 1) is { } name
            ? Results.Problem($"'{name}' is given more than once.", statusCode: StatusCodes.Status400BadRequest)
            : null;

    private static IResult TooLarge(long limit) =>
        Results.Problem($"Clips are limited to {limit} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
}

public sealed record IdentifyResponse(string? Track, double Confidence, double? Offset, double? Speed);

/// <summary>A play; title, artist and ISRC are the catalogue's now (null for a track no longer in it or without them).</summary>
public sealed record PlayResponse(
    string Station, string Id, string Track, string? Title, string? Artist, string? Isrc,
    DateTimeOffset Start, DateTimeOffset End, double Confidence, double Speed, string Status)
{
    /// <summary>A stored play with its track's current description (none for a track removed since).</summary>
    public static PlayResponse From(PlayRecord play, IReadOnlyDictionary<string, TrackMetadata> tracks)
    {
        var track = tracks.GetValueOrDefault(play.Track) ?? TrackMetadata.None;
        return new(play.Station, play.PlayKey, play.Track, track.Title, track.Artist, track.Isrc, play.Start, play.End, play.Confidence, play.Speed, play.Status);
    }
}
