using Microsoft.Extensions.Options;

namespace Zamio.Central.Api;

/// <summary>
/// Who may read plays, airplay reports and the fleet's state. With an admin key configured: the admin key reads
/// everything, a station's key (<c>Authorization: Token KEY</c>) reads its own station's plays and reports (the request
/// names the station), and nobody else reads anything. Without one (a fresh machine, the HTTP API on loopback) reads
/// are open, as the catalogue and station management is off.
/// </summary>
public sealed class ReadAccess(AdminAuth admin, StationTokenAuth tokens, IOptions<CentralApiOptions> options)
{
    /// <summary>Reads need no key (no admin key is configured).</summary>
    public bool Open { get; } = options.Value.AdminKey is not { Length: > 0 };

    /// <summary>Null when the request may read every station; otherwise the 401 to answer.</summary>
    public IResult? CheckFleet(HttpRequest request) =>
        Open || admin.IsAdmin(request) ? null : ApiResults.Unauthorized("Bearer");

    /// <summary>Null when the request may read <paramref name="station"/> (null: every station); otherwise the 400, 401 or 403 to answer.</summary>
    public IResult? CheckStation(HttpRequest request, string? station)
    {
        if (Open || admin.IsAdmin(request))
        {
            return null;
        }

        if (StationTokenAuth.TokenFrom(request) is not { } key)
        {
            return ApiResults.Unauthorized("Bearer", "Token");
        }

        if (string.IsNullOrEmpty(station))
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, "A station key reads its own station only: name it with station=ID.");
        }

        return tokens.Check(key, station) switch
        {
            StationAuthResult.Ok => null,
            StationAuthResult.Forbidden => ApiResults.Problem(StatusCodes.Status403Forbidden, $"This key does not belong to station '{station}'."),
            _ => ApiResults.Unauthorized("Bearer", "Token"),
        };
    }
}

/// <summary>Says so at start when reads are open (no admin key) and the API listens beyond loopback.</summary>
internal static partial class OpenReadsWarning
{
    public static void Register(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses ?? [];
            if (app.Services.GetRequiredService<ReadAccess>().Open && addresses.FirstOrDefault(a => !IsLoopback(a)) is { } exposed)
            {
                LogOpenReads(app.Logger, exposed);
            }
        });
    }

    private static bool IsLoopback(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host == "localhost");

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin key is set, so anyone who reaches {Address} can read plays, reports and the stations list; set --admin-key to require keys")]
    private static partial void LogOpenReads(ILogger logger, string address);
}
