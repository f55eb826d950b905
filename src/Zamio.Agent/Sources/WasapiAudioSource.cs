namespace Zamio.Agent.Sources;

/// <summary>
/// A Windows sound card through WASAPI shared mode: <c>wasapi:default</c>, or a capture device's name or id as
/// <c>zamio-agent devices</c> lists them. On other systems it fails with a message pointing to ALSA.
/// </summary>
/// <param name="silentFor">How long the driver may deliver nothing, once open, before the source counts as failed and
/// is opened again (default <see cref="AudioSourceFactory.SilentFor"/>).</param>
public sealed class WasapiAudioSource(string device, TimeSpan firstAudioTimeout, TimeSpan? silentFor = null) : IAudioSource
{
    public const string NotWindows = "wasapi: sources need Windows; on Linux use alsa:DEVICE (zamio-agent devices lists the sound cards)";

    public string Description => "wasapi:" + device;

    public bool IsLive => true;

    public Task<IAudioInput> OpenAsync(CancellationToken cancellationToken) =>
        OperatingSystem.IsWindows()
            ? WasapiInput.OpenAsync(Description, device, firstAudioTimeout, silentFor ?? AudioSourceFactory.SilentFor, cancellationToken)
            : throw new SourceUnavailableException($"{Description}: {NotWindows}");
}
