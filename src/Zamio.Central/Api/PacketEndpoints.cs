using Zamio.Central.Ingest;
using Zamio.Central.Metrics;
using Zamio.Central.Stations;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Central.Api;

/// <summary>
/// <c>POST /api/v1/stations/{id}/packets</c>: the agents' HTTP fallback. One binary <see cref="FingerprintPacket"/>
/// per request, checked like an MQTT publish (the key's station, the path's station and the packet's station must
/// agree; format, size and algorithm version) and handed to the same <see cref="IngestQueue"/>, so sequence
/// de-duplication and plays are identical whichever way a packet arrives. 202 means queued; a refused packet is a
/// problem (400, 413) whose <c>reason</c> is one of <see cref="RejectReasons"/>, recorded as the station's latest rejection.
/// </summary>
public static class PacketEndpoints
{
    public static IEndpointRouteBuilder MapPackets(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/v1/stations/{id}/packets", PostAsync);
        return endpoints;
    }

    private static async Task<IResult> PostAsync(
        string id,
        HttpContext context,
        StationTokenAuth auth,
        IngestQueue queue,
        StationActivity activity,
        CentralMetrics metrics,
        CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength > FingerprintPacket.MaxPacketSize)
        {
            // Refused before the key is checked: no station to record it against, only the metric.
            metrics.PacketRejected(RejectReasons.Oversized);
            return ApiResults.Problem(StatusCodes.Status413PayloadTooLarge, $"A packet is at most {FingerprintPacket.MaxPacketSize} bytes.", RejectReasons.Oversized);
        }

        if (!StationIds.IsValid(id))
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, "No such station.");
        }

        switch (auth.Check(StationTokenAuth.TokenFrom(request), id))
        {
            case StationAuthResult.Unauthenticated:
                return ApiResults.Unauthorized("Token");
            case StationAuthResult.Forbidden:
                return ApiResults.Problem(StatusCodes.Status403Forbidden, $"This key does not belong to station '{id}'.");
        }

        ApiResults.CapBody(context, FingerprintPacket.MaxPacketSize);
        byte[] payload;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            payload = buffer.ToArray();
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Reject(id, activity, metrics, RejectReasons.Oversized, StatusCodes.Status413PayloadTooLarge, $"A packet is at most {FingerprintPacket.MaxPacketSize} bytes.");
        }

        if (payload.Length > FingerprintPacket.MaxPacketSize)
        {
            return Reject(id, activity, metrics, RejectReasons.Oversized, StatusCodes.Status413PayloadTooLarge, $"A packet is at most {FingerprintPacket.MaxPacketSize} bytes.");
        }

        if (!FingerprintPacket.TryDecode(payload, out var packet, out var error))
        {
            return Reject(id, activity, metrics, RejectReasons.Malformed, StatusCodes.Status400BadRequest, $"Malformed packet: {error}");
        }

        if (packet.StationId != id)
        {
            return Reject(id, activity, metrics, RejectReasons.StationMismatch, StatusCodes.Status400BadRequest, $"The packet is for station '{packet.StationId}', not '{id}'.");
        }

        if (packet.AlgorithmVersion != FingerprintSettings.AlgorithmVersion)
        {
            return Reject(id, activity, metrics, RejectReasons.AlgorithmVersion, StatusCodes.Status400BadRequest,
                $"Algorithm version {packet.AlgorithmVersion}; central runs {FingerprintSettings.AlgorithmVersion}.");
        }

        // The ingest loop decodes again; accepted/duplicate counts are made there, once for every transport.
        await queue.EnqueueAsync(new InboundPacket(id, id, payload), cancellationToken).ConfigureAwait(false);
        return Results.Accepted(value: new { station = id, sequence = packet.Sequence, status = "queued" });
    }

    // The problem names the reason code too, so the agent reports the refusal as it does those from a broker.
    private static IResult Reject(string station, StationActivity activity, CentralMetrics metrics, string reason, int status, string detail)
    {
        activity.PacketRejected(station, reason, detail);
        metrics.PacketRejected(reason);
        return ApiResults.Problem(status, detail, reason);
    }
}
