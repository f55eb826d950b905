namespace Zamio.Agent.Sources;

/// <summary>Turns a validated <c>--source</c> value into a source.</summary>
public static class AudioSourceFactory
{
    /// <summary>
    /// How long a live source may deliver nothing, once open, before it counts as failed and is opened again (each source's
    /// default; tests pass shorter).
    /// </summary>
    public static readonly TimeSpan SilentFor = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan FirstAudioTimeout = TimeSpan.FromSeconds(10);

    public static IAudioSource Create(SourceSpec spec, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            SourceKind.File => new FileAudioSource(spec.Target),
            SourceKind.Http => new HttpAudioSource(new Uri(spec.Target), http),
            SourceKind.Alsa => ProcessAudioSource.Alsa(spec.Target, FirstAudioTimeout),
            SourceKind.Command => ProcessAudioSource.Command(spec.Target, FirstAudioTimeout),
            SourceKind.Wasapi => new WasapiAudioSource(spec.Target, FirstAudioTimeout),
            _ => throw new ArgumentOutOfRangeException(nameof(spec)),
        };
    }
}
