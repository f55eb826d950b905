using System.Text.Json;
using Zamio.Central.Stations;
using Zamio.Shared.Wire;

namespace Zamio.Central.Api;

/// <summary>
/// <c>GET /api/v1/stations</c> (the fleet's state; see <see cref="ReadAccess"/>), and with the admin key <c>POST /api/v1/stations</c>
/// (<c>{"station": "ID"}</c>: creates the station, or gives an existing one a new key, and returns the key once) and
/// <c>DELETE /api/v1/stations/{id}</c> (revokes the station; its plays stay).
/// </summary>
public static partial class StationEndpoints
{
    private const int MaxBodyBytes = 1024;

    public static IEndpointRouteBuilder MapStations(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/stations", List);
        endpoints.MapPost("/api/v1/stations", AddAsync);
        endpoints.MapDelete("/api/v1/stations/{id}", Remove);
        return endpoints;
    }

    private static IResult List(HttpRequest request, ReadAccess access, StationStore stations, StationActivity activity)
    {
        if (access.CheckFleet(request) is { } denied)
        {
            return denied;
        }

        var ids = new SortedSet<string>(stations.List(), StringComparer.Ordinal);

        return Results.Ok(ids.Select(id => activity.State(id)).Select(s => new StationResponse(
            s.Station, s.Online, s.LastPacket, s.Accepted, s.Rejected, s.Duplicates, s.Dropped,
            s.AgentSeen, s.Agent?.DeadAir, s.Agent?.AudioLevelDbfs, s.Agent?.SpoolDepth, s.Agent?.SpoolDropped,
            s.Agent?.CaptureErrors, s.Agent?.AgentVersion, s.Agent?.Source, s.LastRejection)));
    }

    private static async Task<IResult> AddAsync(HttpContext context, AdminAuth admin, StationStore stations, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!admin.IsAdmin(context.Request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        ApiResults.CapBody(context, MaxBodyBytes);
        StationRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<StationRequest>(context.Request.Body, JsonSerializerOptions.Web, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body has no length to refuse up front; the cap stops it here.
            return TooLarge();
        }
        catch (Exception ex) when (ex is JsonException or BadHttpRequestException)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, """Send JSON {"station": "ID"}.""");
        }

        var id = body?.Station;
        if (StationIds.RegistrationError(id) is { } error)
        {
            return ApiResults.Problem(StatusCodes.Status400BadRequest, $"'station': {error}.");
        }

        var existed = stations.Exists(id!);
        var key = stations.Add(id!);
        LogKeyIssued(loggers.CreateLogger(typeof(StationEndpoints)), id!, existed);
        var created = new StationCredentialsResponse(id!, key);
        return existed ? Results.Ok(created) : Results.Created($"/api/v1/stations/{id}", created);
    }

    private static IResult TooLarge() =>
        ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"A station request is at most {MaxBodyBytes} bytes.");

    private static IResult Remove(string id, HttpRequest request, AdminAuth admin, StationStore stations, ILoggerFactory loggers)
    {
        if (!admin.IsAdmin(request))
        {
            return ApiResults.Unauthorized("Bearer");
        }

        if (!stations.Remove(id))
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, $"No station '{id}'.");
        }

        LogRemoved(loggers.CreateLogger(typeof(StationEndpoints)), id);
        return Results.NoContent();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stations: key issued for {Station} through the admin API (replacing an old key: {Replaced})")]
    private static partial void LogKeyIssued(ILogger logger, string station, bool replaced);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stations: {Station} removed through the admin API")]
    private static partial void LogRemoved(ILogger logger, string station);
}

public sealed record StationRequest(string? Station);

public sealed record StationCredentialsResponse(string Station, string Key);

/// <summary>
/// A station as central sees it (packets since central started) and as its agent last reported itself: the heartbeat
/// is when that report arrived; the agent's fields are null until one has. The last rejection is the latest packet of
/// the station this instance refused, with its reason (null if none).
/// </summary>
public sealed record StationResponse(
    string Station, bool Online, DateTimeOffset? LastPacket, long Packets, long Rejected, long Duplicates, long Dropped,
    DateTimeOffset? LastHeartbeat, bool? DeadAir, double? AudioLevelDbfs, long? SpoolDepth, long? SpoolDropped,
    long? CaptureErrors, string? AgentVersion, string? Source, PacketRejection? LastRejection);
