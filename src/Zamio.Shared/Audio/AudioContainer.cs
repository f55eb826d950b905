namespace Zamio.Shared.Audio;

/// <summary>How an input will be decoded, as decided by <see cref="AudioFormatSniffer"/>.</summary>
internal enum AudioContainer
{
    Unknown,
    Wav,
    Mp3,
    OggVorbis,

    /// <summary>A recognised format (AAC/M4A, Opus, FLAC, ...) that only ffmpeg decodes.</summary>
    Ffmpeg,
}
