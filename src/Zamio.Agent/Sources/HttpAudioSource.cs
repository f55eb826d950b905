using System.Globalization;
using System.Net.Http.Headers;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Agent.Sources;

/// <summary>
/// An Icecast/SHOUTcast/HTTP audio stream. MP3 (and WAV/Ogg) decode in process, other codecs through ffmpeg;
/// in-band ICY titles are stripped from the audio and exposed as <see cref="IAudioInput.Hint"/>.
/// </summary>
/// <param name="url">The stream.</param>
/// <param name="http">The agent's client (no overall timeout: streams never end).</param>
/// <param name="silentFor">How long the server may send nothing, for the response headers or mid-stream, before the
/// stream counts as failed and is opened again (default <see cref="AudioSourceFactory.SilentFor"/>).</param>
public sealed class HttpAudioSource(Uri url, HttpClient http, TimeSpan? silentFor = null) : IAudioSource
{
    private readonly TimeSpan _silentFor = silentFor ?? AudioSourceFactory.SilentFor;

    // Shown in logs and in the retained status message: no user info or query, either may carry a secret.
    public string Description { get; } = url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);

    public bool IsLive => true;

    public async Task<IAudioInput> OpenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Icy-MetaData", "1");
        HttpResponseMessage response;
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headers.CancelAfter(_silentFor);
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new SourceUnavailableException($"{Description}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SourceUnavailableException($"{Description}: no response (timeout)", ex);
        }

        try
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new SourceUnavailableException($"{Description}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            Stream body = new IdleTimeoutStream(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _silentFor);
            var input = new Input(response);
            if (MetaInterval(response) is { } interval)
            {
                body = new IcyMetadataStream(body, interval, title => input.Hint = title);
            }

            try
            {
                // Decoding pulls from the socket synchronously; the capture loop runs on its own thread.
                input.Samples = AudioDecoder.Open(body, NameHint(response.Content.Headers.ContentType), FingerprintSettings.SampleRate);
            }
            catch (Exception ex) when (ex is AudioFormatException or IOException)
            {
                throw new SourceUnavailableException($"{Description}: {ex.Message}", ex);
            }

            return input;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static int? MetaInterval(HttpResponseMessage response) =>
        response.Headers.TryGetValues("icy-metaint", out var values)
        && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var interval)
        && interval > 0
            ? interval
            : null;

    // Raw AAC/ADTS has weak magic; the content type tells the decoder what to expect.
    private static string? NameHint(MediaTypeHeaderValue? type) => type?.MediaType?.ToLowerInvariant() switch
    {
        "audio/mpeg" or "audio/mp3" => "stream.mp3",
        "audio/aac" or "audio/aacp" or "audio/x-aac" => "stream.aac",
        "audio/ogg" or "application/ogg" => "stream.ogg",
        "audio/wav" or "audio/x-wav" => "stream.wav",
        _ => null,
    };

    private sealed class Input(HttpResponseMessage response) : IAudioInput
    {
        private int _disposed;

        public ISampleSource? Samples { get; set; }

        public string? Hint { get; set; }

        public int Read(Span<float> buffer)
        {
            try
            {
                return Samples!.Read(buffer);
            }
            catch (Exception ex) when (Volatile.Read(ref _disposed) != 0 && ex is IOException or ObjectDisposedException or AudioFormatException)
            {
                return 0;
            }
            catch (Exception ex) when (ex is IOException or AudioFormatException or HttpRequestException)
            {
                throw new SourceUnavailableException($"stream failed: {ex.Message}", ex);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Samples?.Dispose();
                response.Dispose();
            }
        }
    }
}
