using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Zamio.Agent.Configuration;
using Zamio.Agent.Spool;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Delivery;

/// <summary>Posts spooled packet bytes unchanged to central's HTTP ingest when MQTT is blocked.</summary>
public sealed class HttpFallbackSender(HttpClient http, AgentOptions settings, TimeProvider time)
{
    // Central's problem answers are a few hundred bytes; anything past this is not read.
    private const int MaxProblemBytes = 4096;

    private readonly Uri _endpoint = new(
        settings.HttpFallback!.TrimEnd('/') + "/api/v1/stations/" + Uri.EscapeDataString(settings.StationId) + "/packets");

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Posts one packet. Returns null once central took it, or why central refused this packet for good (400: malformed,
    /// another station's, another algorithm version; 413: too large): sending it again cannot succeed, so the caller
    /// counts it and moves on. Throws <see cref="DeliveryException"/> for everything worth retrying (no answer, 5xx, and
    /// 401/403, which the operator fixes by correcting the key while the packets wait in the spool).
    /// </summary>
    public async Task<PacketRejection?> SendAsync(SpoolRecord record, CancellationToken cancellationToken)
    {
        // The shared client has no timeout of its own (it also carries endless audio streams).
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var content = new ByteArrayContent(record.Payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", settings.Key);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DeliveryException($"HTTP fallback {_endpoint.GetLeftPart(UriPartial.Authority)}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryException($"HTTP fallback {_endpoint.GetLeftPart(UriPartial.Authority)}: timed out", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge)
            {
                return await RejectionAsync(response, timeout.Token, cancellationToken).ConfigureAwait(false);
            }

            throw new DeliveryException($"HTTP fallback answered {(int)response.StatusCode} {response.ReasonPhrase} for packet {record.Sequence}");
        }
    }

    // Central's problem JSON names the reason code and the detail; any other answer (a proxy's page) gets the status.
    private async Task<PacketRejection> RejectionAsync(HttpResponseMessage response, CancellationToken timeout, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string? reason = null;
        string? detail = null;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(timeout).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var body = new byte[MaxProblemBytes + 1];
                var length = await stream.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, timeout).ConfigureAwait(false);
                if (length <= MaxProblemBytes)
                {
                    using var problem = JsonDocument.Parse(body.AsMemory(0, length));
                    if (problem.RootElement.ValueKind == JsonValueKind.Object)
                    {
                        reason = Text(problem.RootElement, "reason");
                        detail = Text(problem.RootElement, "detail");
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The status alone still says the packet was refused.
        }

        return PacketRejection.Create(
            string.IsNullOrEmpty(reason) ? $"http_{status}" : reason,
            detail ?? $"HTTP {status} {response.ReasonPhrase}",
            time.GetUtcNow());
    }

    private static string? Text(JsonElement problem, string name) =>
        problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
