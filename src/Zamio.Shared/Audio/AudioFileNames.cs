namespace Zamio.Shared.Audio;

/// <summary>Which files in a folder are taken as audio (playlists, cover art and notes beside them are not).</summary>
public static class AudioFileNames
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".mp3", ".ogg", ".oga", ".opus", ".flac", ".m4a", ".aac", ".mp4", ".wma", ".aif", ".aiff",
    };

    public static bool IsAudio(string path) => Extensions.Contains(Path.GetExtension(path));
}
