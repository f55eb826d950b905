using System.Net.Http.Headers;
using Zamio.Agent.Configuration;
using Zamio.Agent.Spool;

namespace Zamio.Agent.Delivery;

/// <summary>Posts spooled packet bytes unchanged to central's HTTP ingest when MQTT is blocked.</summary>
public sealed class HttpFallbackSender(HttpClient http, AgentOptions settings)
{
    private readonly Uri _endpoint = new(
        settings.HttpFallback!.TrimEnd('/') + "/api/v1/stations/" + Uri.EscapeDataString(settings.StationId) + "/packets");

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public async Task SendAsync(SpoolRecord record, CancellationToken cancellationToken)
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
            if (!response.IsSuccessStatusCode)
            {
                throw new DeliveryException($"HTTP fallback answered {(int)response.StatusCode} {response.ReasonPhrase} for packet {record.Sequence}");
            }
        }
    }
}
