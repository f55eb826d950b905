using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Agent.Sources;

/// <summary>
/// A file, or a folder of audio files (by extension; playlists and the like beside them are left out) replayed in
/// name order as one continuous recording (logger recordings are consecutive hour files). A file that cannot be
/// decoded ends the run: skipping it would move every later file's audio onto the wrong time. Pacing is the capture
/// loop's job.
/// </summary>
public sealed class FileAudioSource(string path) : IAudioSource
{
    public string Description => "file:" + path;

    public bool IsLive => false;

    public Task<IAudioInput> OpenAsync(CancellationToken cancellationToken)
    {
        string[] files;
        if (Directory.Exists(path))
        {
            files = [.. Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.') && AudioFileNames.IsAudio(f)).Order(StringComparer.Ordinal)];
            if (files.Length == 0)
            {
                throw new SourceUnavailableException($"folder '{path}' has no audio files");
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new SourceUnavailableException($"file or folder '{path}' does not exist");
        }

        return Task.FromResult<IAudioInput>(new Input(files));
    }

    private sealed class Input(string[] files) : IAudioInput
    {
        private int _next;
        private ISampleSource? _current;

        public string? Hint => null;

        public int Read(Span<float> buffer)
        {
            while (true)
            {
                if (_current is null)
                {
                    if (_next >= files.Length)
                    {
                        return 0;
                    }

                    var file = files[_next++];
                    try
                    {
                        _current = AudioDecoder.Open(file, FingerprintSettings.SampleRate);
                    }
                    catch (Exception ex) when (ex is AudioFormatException or IOException or UnauthorizedAccessException)
                    {
                        throw new SourceUnavailableException($"cannot decode '{file}': {ex.Message}", ex);
                    }
                }

                var read = _current.Read(buffer);
                if (read > 0)
                {
                    return read;
                }

                _current.Dispose();
                _current = null;
            }
        }

        public void Dispose() => _current?.Dispose();
    }
}
