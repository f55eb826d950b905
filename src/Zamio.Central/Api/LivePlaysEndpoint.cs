using System.Text;
using System.Text.Json;
using Zamio.Central.Catalog;
using Microsoft.Extensions.Options;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Api;

/// <summary>
/// <c>GET /api/v1/plays/live[?station=ID]</c>: plays as they are stored, as server-sent events (<c>event: play</c>, the
/// data as <c>GET /api/v1/plays</c> lists a play), from every instance when they share Redis. Read access as for plays.
/// A comment line every <see cref="CentralApiOptions.LiveHeartbeatSeconds"/> keeps proxies from closing a quiet stream,
/// and the reader's access is checked again then, so a revoked key's stream ends; a subscriber that falls
/// <see cref="PlayFeed.SubscriberCapacity"/> plays behind loses the oldest and gets <c>event: missed</c> with how many,
/// its cue to read <c>GET /api/v1/plays</c> again.
/// </summary>
public static class LivePlaysEndpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapLivePlays(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/v1/plays/live", StreamAsync);
        return endpoints;
    }

    private static async Task<IResult> StreamAsync(
        HttpContext context,
        PlayFeed feed,
        TrackMetadataCache metadata,
        ReadAccess access,
        IOptions<CentralApiOptions> options,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        string? station)
    {
        if (access.CheckStation(context.Request, station) is { } denied)
        {
            return denied;
        }

        if (ApiEndpoints.RepeatedParameter(context.Request, "station") is { } repeated)
        {
            return repeated;
        }

        using var subscription = feed.Subscribe(string.IsNullOrEmpty(station) ? null : station);
        var response = context.Response;
        // Ends with the client, or when central stops (a stream never ends by itself, and would hold the shutdown up).
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = ending.Token;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        try
        {
            // Subscribed before the first byte, so a client that sees the stream open misses no play stored after it.
            await WriteAsync(response, ": subscribed\n\n", aborted).ConfigureAwait(false);
            var heartbeat = TimeSpan.FromSeconds(options.Value.LiveHeartbeatSeconds);
            while (await WaitAsync(subscription, heartbeat, time, aborted).ConfigureAwait(false) is { } waiting)
            {
                if (!waiting)
                {
                    if (!StillAllowed(context.Request, access, station))
                    {
                        break;
                    }

                    await WriteAsync(response, ": ping\n\n", aborted).ConfigureAwait(false);
                    continue;
                }

                var text = new StringBuilder();
                if (subscription.TakeMissed() is > 0 and var missed)
                {
                    text.Append("event: missed\ndata: {\"plays\":").Append(missed).Append("}\n\n");
                }

                var tracks = await metadata.GetAsync(aborted).ConfigureAwait(false);
                while (subscription.Plays.TryRead(out var play))
                {
                    text.Append("event: play\ndata: ").Append(JsonSerializer.Serialize(PlayResponse.From(play, tracks), Json)).Append("\n\n");
                }

                await WriteAsync(response, text.ToString(), aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away.
        }

        return Results.Empty;
    }

    // A key revoked since the stream opened ends it; a database that cannot answer the check now does not.
    private static bool StillAllowed(HttpRequest request, ReadAccess access, string? station)
    {
        try
        {
            return access.CheckStation(request, station) is null;
        }
        catch (Exception ex) when (StorageErrors.IsTransient(ex))
        {
            return true;
        }
    }

    // True when plays wait, false when a heartbeat is due first, null when the feed has ended.
    private static async Task<bool?> WaitAsync(PlaySubscription subscription, TimeSpan heartbeat, TimeProvider time, CancellationToken aborted)
    {
        using var beat = new CancellationTokenSource(heartbeat, time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(beat.Token, aborted);
        try
        {
            return await subscription.Plays.WaitToReadAsync(either.Token).ConfigureAwait(false) ? true : null;
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken aborted)
    {
        await response.WriteAsync(text, aborted).ConfigureAwait(false);
        await response.Body.FlushAsync(aborted).ConfigureAwait(false);
    }
}
