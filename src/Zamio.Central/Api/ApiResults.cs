using Microsoft.AspNetCore.Http.Features;

namespace Zamio.Central.Api;

/// <summary>Shared response shapes: RFC 7807 problems, 401 with a challenge, request body caps.</summary>
internal static class ApiResults
{
    public static IResult Problem(int status, string detail) => Results.Problem(detail, statusCode: status);

    public static IResult Unauthorized(string scheme) => new ChallengeResult(scheme);

    /// <summary>400 for a request body that cannot be parsed: malformed multipart, or one that ends early.</summary>
    public static IResult MalformedBody(Exception ex) => Problem(
        StatusCodes.Status400BadRequest,
        ex is IOException ? "Malformed request body: it ends before its multipart closing boundary." : $"Malformed request body: {ex.Message}");

    /// <summary>503 for a read the database could not answer now (down or busy); nothing changed.</summary>
    public static IResult StoreUnavailable(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "5";
        return Results.Problem("The database is unreachable; try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable);
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

    private sealed class ChallengeResult(string scheme) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = scheme;
            return Results.Problem($"Send 'Authorization: {scheme} KEY'.", statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(httpContext);
        }
    }
}
