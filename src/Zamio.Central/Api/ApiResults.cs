using Microsoft.AspNetCore.Http.Features;

namespace Zamio.Central.Api;

/// <summary>Shared response shapes: RFC 7807 problems, 401 with a challenge, request body caps.</summary>
internal static class ApiResults
{
    public static IResult Problem(int status, string detail) => Results.Problem(detail, statusCode: status);

    /// <summary>A problem with a machine-readable <c>reason</c> code beside the human detail.</summary>
    public static IResult Problem(int status, string detail, string reason) =>
        Results.Problem(detail, statusCode: status, extensions: new Dictionary<string, object?> { ["reason"] = reason });

    /// <summary>401 naming every scheme the endpoint takes (reads take the admin key or a station's own).</summary>
    public static IResult Unauthorized(params string[] schemes) => new ChallengeResult(schemes);

    /// <summary>
    /// Reads a multipart form. A body that ends before its closing boundary (the form reader's
    /// <see cref="IOException"/>) is the client's error like any malformed one: it comes out as
    /// <see cref="InvalidDataException"/>, so server-side I/O failures are not mistaken for it.
    /// </summary>
    public static async Task<IFormCollection> ReadFormAsync(HttpRequest request, FormOptions? options, CancellationToken cancellationToken)
    {
        try
        {
            return options is null
                ? await request.ReadFormAsync(cancellationToken).ConfigureAwait(false)
                : await request.ReadFormAsync(options, cancellationToken).ConfigureAwait(false);
        }
        // A body past the size cap is Kestrel's 413, left for the endpoint to answer as such.
        catch (IOException ex) when (ex is not BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            throw new InvalidDataException("it ends before its multipart closing boundary.", ex);
        }
    }

    /// <summary>400 for a request body that cannot be parsed.</summary>
    public static IResult MalformedBody(InvalidDataException ex) =>
        Problem(StatusCodes.Status400BadRequest, $"Malformed request body: {ex.Message}");

    /// <summary>
    /// Middleware: a request the database could not answer now (down or busy: a transient Npgsql or SQLite error, a
    /// timeout) is 503 with <c>Retry-After</c>, not 500; nothing changed. One place for every endpoint that reads the
    /// store (plays, reports, stations, station keys). The upload endpoint counts its own before this sees them.
    /// </summary>
    public static async Task StoreUnavailableAsync(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException && Storage.StorageErrors.IsTransient(ex) && !context.Response.HasStarted)
        {
            context.Response.Headers.RetryAfter = "5";
            await Results.Problem("The database is unreachable; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable)
                .ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    /// <summary>Caps what Kestrel will read of this request's body (a chunked body has no Content-Length).</summary>
    public static void CapBody(HttpContext context, long bytes)
    {
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = bytes;
        }
    }

    private sealed class ChallengeResult(string[] schemes) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = schemes;
            var send = string.Join(" or ", schemes.Select(s => $"'Authorization: {s} KEY'"));
            return Results.Problem($"Send {send}.", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(httpContext);
        }
    }
}
