using Microsoft.Extensions.Options;
using Zamio.Central.Catalog;
using Zamio.Central.Storage;
using Zamio.Central.Metrics;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Api;

/// <summary>
/// Catalogue management with the admin key: <c>GET /api/v1/tracks</c>, <c>GET /api/v1/tracks/{id}</c>, <c>POST /api/v1/tracks</c> (multipart
/// <c>file</c> plus optional <c>id</c>, <c>title</c>, <c>artist</c>, <c>isrc</c>), <c>DELETE /api/v1/tracks/{id}</c> and
/// <c>PATCH /api/v1/tracks/{id}</c> (its description only).
/// A change goes through <see cref="CatalogManager"/> (store, Redis index cache, change feed to every instance); the
/// response waits until this instance's index reflects it, so an identify right after a 201/204 sees the change.
/// </summary>
public static partial class TrackEndpoints
{

    /// <summary>How long a change may take to reach this instance's index before the API answers 503.</summary>
    private static readonly TimeSpan LiveTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapTracks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/tracks", List);
        endpoints.MapGet("/api/v1/tracks/{id}", FindAsync);
        endpoints.MapPost("/api/v1/tracks", AddAsync);
        endpoints.MapDelete("/api/v1/tracks/{id}", RemoveAsync);
        endpoints.MapPatch("/api/v1/tracks/{id}", DescribeAsync);
        return endpoints;
    }

    /// <summary>Most tracks one page of <c>GET /api/v1/tracks</c> holds (<c>limit</c>); a larger catalogue is walked page by page.</summary>
    public const int MaxTracksPerPage = 10_000;

    private static async Task<IResult> List(HttpContext context, AdminAuth admin, CatalogManager catalog, string? limit, string? after, CancellationToken cancellationToken)
    {
        if (!admin.IsAdmin(context.Request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        if (ApiEndpoints.RepeatedParameter(context.Request, "limit", "after") is { } repeated)
        {
            return repeated;
        }

        if (Paging.ParseLimit(limit, MaxTracksPerPage, out var size) is { } badLimit)
        {
            return badLimit;
        }

        var fetched = await catalog.PageAsync(string.IsNullOrEmpty(after) ? null : after, size + 1, cancellationToken).ConfigureAwait(false);
        return Results.Ok(Paging.Page(context, fetched, size, t => t.Id).Select(TrackResponse.From));
    }

    private static async Task<IResult> FindAsync(string id, HttpRequest request, AdminAuth admin, CatalogManager catalog, CancellationToken cancellationToken)
    {
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        return TrackIds.IsValid(id) && await catalog.FindAsync(id, cancellationToken).ConfigureAwait(false) is { } track
            ? Results.Ok(TrackResponse.From(track))
            : ApiResults.Problem(StatusCodes.Status404NotFound, $"No track '{id}'.");
    }

    private static async Task<IResult> AddAsync(
        HttpContext context,
        AdminAuth admin,
        IOptions<CentralApiOptions> options,
        CatalogManager catalog,
        CatalogIndex index,
        CentralMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        var limit = options.Value.MaxTrackBytes;
        if (request.ContentLength > limit + (64 * 1024))
        {
            return ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"Track files are limited to {limit} bytes.");
        }

        if (request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "Send multipart/form-data with a 'file' part.");
        }

        ApiResults.CapBody(context, limit + (64 * 1024));
        IFormCollection form;
        try
        {
            form = await ApiResults.ReadFormAsync(request, new Microsoft.AspNetCore.Http.Features.FormOptions { MultipartBodyLengthLimit = limit + (64 * 1024) }, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"Track files are limited to {limit} bytes.");
        }
        catch (InvalidDataException ex)
        {
            return ApiResults.MalformedBody(ex);
        }

        var file = form.Files.GetFile("file");
        if (file is null || file.Length == 0)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "The 'file' part is missing or empty.");
        }

        var id = Field(form, "id") ?? Path.GetFileNameWithoutExtension(file.FileName);
        if (!TrackIds.IsValid(id))
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"'id' must be {TrackIds.Rule}.");
        }

        if (!TrackMetadata.TryNormaliseIsrc(Field(form, "isrc"), out var isrc))
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"'isrc' is not an ISRC: {TrackMetadata.IsrcRule}.");
        }

        FingerprintedAudio audio;
        TempUpload? saved = null;
        try
        {
            saved = await TempUpload.SaveAsync(file, "zamio-track-", cancellationToken).ConfigureAwait(false);
            audio = Fingerprinter.FromFile(saved.Path);
            if (audio.FrameCount >= TrackPeaks.MaxFrames)
            {
                return ApiResults.Problem(StatusCodes.Status400BadRequest, "The track is longer than the longest supported track.");
            }

            if (audio.Peaks.Length == 0)
            {
                return ApiResults.Problem(StatusCodes.Status400BadRequest, "The file has no audible content to fingerprint.");
            }
        }
        catch (Exception ex) when (ex is AudioFormatException or InvalidDataException or EndOfStreamException or FormatException or NotSupportedException or ArgumentException)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"Unreadable audio: {saved?.Describe(ex, file.FileName) ?? ex.Message}");
        }
        finally
        {
            saved?.Dispose();
        }

        // A re-upload keeps the title, artist and ISRC it is not given.
        var existing = await catalog.FindAsync(id, cancellationToken).ConfigureAwait(false);
        var meta = new TrackMetadata(Field(form, "title"), Field(form, "artist"), isrc)
            .Over(existing?.Metadata ?? TrackMetadata.None);
        var track = new CatalogTrack(id, meta.Title, meta.Artist, meta.Isrc, audio.DurationSeconds,
            FingerprintSettings.AlgorithmVersion, time.GetUtcNow());
        var generation = index.Generation;
        try
        {
            await catalog.AddAsync(track, TrackPeaks.FromPeaks(audio.Peaks, audio.FrameCount), CancellationToken.None).ConfigureAwait(false);
        }
        catch (CatalogChangeRefusedException ex)
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }

        if (!await LiveAsync(index, generation, () => index.Contains(id), time, cancellationToken).ConfigureAwait(false))
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, $"Track '{id}' is stored but not yet live in the index; it will be shortly.");
        }

        metrics.CatalogChanged("added");
        LogAdded(loggers.CreateLogger(typeof(TrackEndpoints)), id, audio.DurationSeconds);
        return Results.Created($"/api/v1/tracks/{Uri.EscapeDataString(id)}", TrackResponse.From(track));
    }

    private static async Task<IResult> RemoveAsync(
        string id,
        HttpRequest request,
        AdminAuth admin,
        CatalogManager catalog,
        CatalogIndex index,
        CentralMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        if (!TrackIds.IsValid(id))
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, $"No track '{id}'.");
        }

        var generation = index.Generation;
        try
        {
            if (!await catalog.RemoveAsync(id, CancellationToken.None).ConfigureAwait(false))
            {
                return ApiResults.Problem(StatusCodes.Status404NotFound, $"No track '{id}'.");
            }
        }
        catch (CatalogChangeRefusedException ex)
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }

        if (!await LiveAsync(index, generation, () => !index.Contains(id), time, cancellationToken).ConfigureAwait(false))
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, $"Track '{id}' is removed from the store but still in the index; it will leave shortly.");
        }

        metrics.CatalogChanged("removed");
        LogRemoved(loggers.CreateLogger(typeof(TrackEndpoints)), id);
        return Results.NoContent();
    }

    /// <summary>Waits (polling the swap counter, no fixed sleep) until the index was rebuilt and shows the change.</summary>
    private static async Task<bool> LiveAsync(CatalogIndex index, long generationBefore, Func<bool> visible, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (!(index.Generation > generationBefore && visible()))
        {
            if (time.GetElapsedTime(started) > LiveTimeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static string? Field(IFormCollection form, string name) =>
        form[name].ToString().Trim() is { Length: > 0 } value ? value : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalogue: added {Track} ({Seconds:F1} s) through the admin API")]
    private static partial void LogAdded(ILogger logger, string track, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalogue: removed {Track} through the admin API")]
    private static partial void LogRemoved(ILogger logger, string track);
}

/// <summary>A catalogue track as the admin API returns it.</summary>
public sealed record TrackResponse(string Id, string? Title, string? Artist, string? Isrc, double Duration, int Algorithm, DateTimeOffset AddedAt)
{
    public static TrackResponse From(CatalogTrack t) => new(t.Id, t.Title, t.Artist, t.Isrc, Math.Round(t.DurationSeconds, 3), t.AlgorithmVersion, t.AddedAt);
}
