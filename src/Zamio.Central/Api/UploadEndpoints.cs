using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Zamio.Central.Catalog;
using Zamio.Central.Ingest;
using Zamio.Central.Metrics;
using Zamio.Shared.Audio;
using Zamio.Shared.Wire;

namespace Zamio.Central.Api;

/// <summary>
/// <c>POST /api/music-monitor/stream/upload/</c>, compatible with the ZamIO mobile app. Order of checks: size from
/// Content-Length (413, nothing read), the <c>Token</c> header's presence (401), then the form is read with the body
/// capped (413 again if a chunked body runs over), fields (400), station ownership of the key (401/403), a stored
/// result for the chunk (returned as is), the station's rate limit (429 + Retry-After), decoding (400), matching.
/// </summary>
public static partial class UploadEndpoints
{
    public const string Route = "/api/music-monitor/stream/upload/";

    /// <summary>Room for the multipart framing and the small text fields around the file part.</summary>
    private const long FramingBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapUploads(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Route, UploadAsync);
        return endpoints;
    }

    // The stored answers keep chunk ids idempotent; without them an upload is refused rather than answered twice.
    private static IResult StorageUnavailable(HttpContext context, CentralMetrics metrics)
    {
        metrics.Upload("storage_unavailable");
        context.Response.Headers.RetryAfter = "5";
        return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, "Upload storage is unavailable; retry after 5 s.");
    }

    private static readonly TimeSpan MaxClockAhead = TimeSpan.FromMinutes(10);

    private static async Task<IResult> UploadAsync(
        HttpContext context,
        IOptions<CentralApiOptions> options,
        StationTokenAuth auth,
        IUploadRateLimiter limiter,
        UploadsProcessor processor,
        CatalogIndex catalog,
        CentralMetrics metrics,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxUploadBytes;
        var request = context.Request;
        if (request.ContentLength > limit + FramingBytes)
        {
            metrics.Upload("too_large");
            return ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"Uploads are limited to {limit} bytes.");
        }

        var key = StationTokenAuth.TokenFrom(request);
        if (key is null)
        {
            metrics.Upload("unauthenticated");
            return ApiResults.Unauthorized("Token");
        }

        if (request.HasFormContentType is false || request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) != true)
        {
            metrics.Upload("bad_request");
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "Send multipart/form-data with file, station_id, chunk_id, started_at.");
        }

        ApiResults.CapBody(context, limit + FramingBytes);
        IFormCollection form;
        try
        {
            form = await ApiResults.ReadFormAsync(request, null, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            metrics.Upload("too_large");
            return ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"Uploads are limited to {limit} bytes.");
        }
        catch (InvalidDataException ex)
        {
            metrics.Upload("bad_request");
            return ApiResults.MalformedBody(ex);
        }

        var file = form.Files.GetFile("file");
        if (file is not null && file.Length > limit)
        {
            metrics.Upload("too_large");
            return ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"Uploads are limited to {limit} bytes.");
        }

        if (!TryReadFields(form, file, out var station, out var chunkId, out var startedAt, out var duration, out var metadata, out var error))
        {
            metrics.Upload("bad_request");
            return ApiResults.Problem(StatusCodes.Status400BadRequest, error);
        }

        // As for streams: a play stamped in the future would stand in every report until then.
        if (startedAt > time.GetUtcNow() + MaxClockAhead)
        {
            metrics.Upload("bad_request");
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"'started_at' is more than {MaxClockAhead.TotalMinutes:0} minutes ahead of central's clock.");
        }

        switch (auth.Check(key, station))
        {
            case StationAuthResult.Unauthenticated:
                metrics.Upload("unauthenticated");
                return ApiResults.Unauthorized("Token");
            case StationAuthResult.Forbidden:
                metrics.Upload("forbidden");
                return ApiResults.Problem(StatusCodes.Status403Forbidden, $"This key does not belong to station '{station}'.");
        }

        string? stored;
        try
        {
            stored = processor.Stored(station, chunkId);
        }
        catch (DbException)
        {
            return StorageUnavailable(context, metrics);
        }

        if (stored is not null)
        {
            metrics.Upload("duplicate");
            return Results.Text(stored, "application/json", statusCode: StatusCodes.Status200OK);
        }

        // Before the limiter: a request refused for a reason of ours costs the station none of its rate.
        if (!catalog.IsLoaded)
        {
            return ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, "The index is not loaded yet.");
        }

        var (granted, retryAfter) = await limiter.AcquireAsync(station).ConfigureAwait(false);
        if (!granted)
        {
            metrics.Upload("rate_limited");
            metrics.RateLimited("upload");
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return ApiResults.Problem(StatusCodes.Status429TooManyRequests, $"Station '{station}' is over its upload rate; retry after {Math.Ceiling(retryAfter.TotalSeconds)} s.");
        }

        TempUpload? saved = null;
        try
        {
            saved = await TempUpload.SaveAsync(file!, "zamio-upload-", cancellationToken).ConfigureAwait(false);
            var json = processor.Process(new UploadedClip(station, chunkId, startedAt, duration, metadata, saved.Path));
            return Results.Text(json, "application/json", statusCode: StatusCodes.Status200OK);
        }
        catch (DbException)
        {
            return StorageUnavailable(context, metrics);
        }
        catch (ClipTooLongException ex)
        {
            metrics.Upload("bad_request");
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"Too long: {ex.Message}.");
        }
        catch (Exception ex) when (ex is AudioFormatException or InvalidDataException or EndOfStreamException or FormatException or NotSupportedException or ArgumentException)
        {
            var reason = saved?.Describe(ex, file!.FileName) ?? ex.Message;
            metrics.Upload("unreadable");
            LogUnreadable(loggers.CreateLogger(typeof(UploadEndpoints)), station, chunkId, reason);
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"Unreadable audio: {reason}");
        }
        finally
        {
            saved?.Dispose();
        }
    }

    private static bool TryReadFields(
        IFormCollection form,
        IFormFile? file,
        out string station,
        out string chunkId,
        out DateTimeOffset startedAt,
        out double? duration,
        out string? metadata,
        out string error)
    {
        station = form["station_id"].ToString().Trim();
        chunkId = form["chunk_id"].ToString().Trim();
        startedAt = default;
        duration = null;
        metadata = null;
        error = "";
        if (file is null || file.Length == 0)
        {
            error = "The 'file' part is missing or empty.";
            return false;
        }

        if (form["station_id"].Count > 1 || form["chunk_id"].Count > 1)
        {
            error = "'station_id' and 'chunk_id' must each be sent once.";
            return false;
        }

        if (!StationIds.IsValid(station))
        {
            error = $"'station_id' must be 1..{StationIds.MaxLength} characters from [A-Za-z0-9_.-].";
            return false;
        }

        if (!Guid.TryParse(chunkId, out var chunk))
        {
            error = "'chunk_id' must be a UUID.";
            return false;
        }

        chunkId = chunk.ToString("D");
        if (!DateTimeOffset.TryParse(form["started_at"].ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out startedAt))
        {
            error = "'started_at' must be an ISO 8601 timestamp.";
            return false;
        }

        if (startedAt.Year < 1970)
        {
            error = "'started_at' is out of range (before 1970).";
            return false;
        }

        var durationText = form["duration_seconds"].ToString();
        if (durationText.Length > 0)
        {
            if (!double.TryParse(durationText, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d <= 0 || d > 3600 || !double.IsFinite(d))
            {
                error = "'duration_seconds' must be a positive number of seconds.";
                return false;
            }

            duration = d;
        }

        var metadataText = form["metadata"].ToString();
        if (metadataText.Length > 0)
        {
            if (metadataText.Length > 16 * 1024)
            {
                error = "'metadata' is limited to 16 KB.";
                return false;
            }

            try
            {
                using var _ = JsonDocument.Parse(metadataText);
            }
            catch (JsonException)
            {
                error = "'metadata' must be a JSON string.";
                return false;
            }

            metadata = metadataText;
        }

        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload {ChunkId} from {Station} does not decode: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string station, string chunkId, string reason);
}
