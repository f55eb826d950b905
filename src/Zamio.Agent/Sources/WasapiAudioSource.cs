namespace Zamio.Agent.Sources;

/// <summary>
/// A Windows sound card through WASAPI shared mode: <c>wasapi:default</c>, or a capture device's name or id as
/// <c>zamio-agent devices</c> lists them. On other systems it fails with a message pointing to ALSA.
/// </summary>
public sealed class WasapiAudioSource(string device, TimeSpan firstAudioTimeout) : IAudioSource
{
    public const string NotWindows = "wasapi: sources need Windows; on Linux use alsa:DEVICE (zamio-agent devices lists the sound cards)";

    public string Description => "wasapi:" + device;

    public bool IsLive => true;

    public Task<IAudioInput> OpenAsync(CancellationToken cancellationToken) =>
        OperatingSystem.IsWindows()
            ? WasapiInput.OpenAsync(Description, device, firstAudioTimeout, cancellationToken)
            : throw new SourceUnavailableException($"{Description}: {NotWindows}");
}
