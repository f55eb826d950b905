namespace Zamio.Shared.Audio;

/// <summary>Audio input that cannot be decoded: unsupported, empty, corrupt or truncated, or ffmpeg failed.</summary>
public sealed class AudioFormatException : Exception
{
    public AudioFormatException()
    {
    }

    public AudioFormatException(string message)
        : base(message)
    {
    }

    public AudioFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
