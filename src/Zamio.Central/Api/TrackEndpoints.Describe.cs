using System.Text.Json;
using Zamio.Central.Catalog;
using Zamio.Central.Metrics;
using Zamio.Central.Storage;

namespace Zamio.Central.Api;

/// <summary>
/// <c>PATCH /api/v1/tracks/{id}</c> (admin): a JSON merge patch (RFC 7396) of the track's <c>title</c>, <c>artist</c>
/// and <c>isrc</c>; a field left out keeps its value, null or "" clears it. Fingerprints and the index are untouched.
/// </summary>
public static partial class TrackEndpoints
{
    private const int MaxDescriptionBytes = 16 * 1024;
    private static readonly string[] DescriptionFields = ["title", "artist", "isrc"];

    private static async Task<IResult> DescribeAsync(
        string id,
        HttpContext context,
        AdminAuth admin,
        CatalogManager catalog,
        CentralMetrics metrics,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        if (request.ContentType is not { } type || !(type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || type.StartsWith("application/merge-patch+json", StringComparison.OrdinalIgnoreCase)))
        {
            return ApiResults.Problem(StatusCodes.Status415UnsupportedMediaType, "Send application/merge-patch+json (or application/json) with any of title, artist, isrc.");
        }

        if (request.ContentLength > MaxDescriptionBytes)
        {
            return DescriptionTooLarge();
        }

        ApiResults.CapBody(context, MaxDescriptionBytes);
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return DescriptionTooLarge();
        }
        catch (Exception ex) when (ex is JsonException or BadHttpRequestException)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "The body is not JSON.");
        }

        using (document)
        {
            var patch = document.RootElement;
            // The patch's own faults first: they do not depend on what is stored.
            if (Patched(patch, TrackMetadata.None, out var error) is null)
            {
                return ApiResults.Problem(StatusCodes.Status400BadRequest, error!);
            }

            (CatalogTrack Track, bool Changed)? patched;
            try
            {
                patched = TrackIds.IsValid(id)
                    ? await catalog.PatchDescriptionAsync(id, stored => Patched(patch, stored, out _)!, CancellationToken.None).ConfigureAwait(false)
                    : null;
            }
            catch (CatalogChangeRefusedException ex)
            {
                return ApiResults.Problem(StatusCodes.Status409Conflict, ex.Message);
            }

            if (patched is not { } done)
            {
                return ApiResults.Problem(StatusCodes.Status404NotFound, $"No track '{id}'.");
            }

            if (done.Changed)
            {
                metrics.CatalogChanged("described");
                LogDescribed(loggers.CreateLogger(typeof(TrackEndpoints)), id);
            }

            return Results.Ok(TrackResponse.From(done.Track));
        }
    }

    private static TrackMetadata? Patched(JsonElement patch, TrackMetadata stored, out string? error)
    {
        error = null;
        if (patch.ValueKind != JsonValueKind.Object)
        {
            error = "Send a JSON object with any of title, artist, isrc.";
            return null;
        }

        var (title, artist, isrc) = (stored.Title, stored.Artist, stored.Isrc);
        foreach (var field in patch.EnumerateObject())
        {
            if (!DescriptionFields.Contains(field.Name, StringComparer.Ordinal))
            {
                error = $"'{field.Name}' cannot be changed here; the fields are title, artist and isrc.";
                return null;
            }

            if (field.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                error = $"'{field.Name}' must be a string or null.";
                return null;
            }

            var value = field.Value.ValueKind == JsonValueKind.String && field.Value.GetString()!.Trim() is { Length: > 0 } text ? text : null;
            switch (field.Name)
            {
                case "title":
                    title = value;
                    break;
                case "artist":
                    artist = value;
                    break;
                default:
                    if (!TrackMetadata.TryNormaliseIsrc(value, out isrc))
                    {
                        error = $"'isrc' is not an ISRC: {TrackMetadata.IsrcRule}.";
                        return null;
                    }

                    break;
            }
        }

        return new TrackMetadata(title, artist, isrc);
    }

    private static IResult DescriptionTooLarge() =>
        ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"A track description is at most {MaxDescriptionBytes} bytes.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalogue: described {Track} through the admin API")]
    private static partial void LogDescribed(ILogger logger, string track);
}
