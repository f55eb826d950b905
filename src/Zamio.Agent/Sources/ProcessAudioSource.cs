using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Agent.Sources;

/// <summary>
/// Raw signed 16-bit little-endian mono PCM at 8 kHz from a child process's stdout: <c>arecord</c> for
/// <c>alsa:DEVICE</c>, or any shell command for <c>cmd:</c>. The process must deliver audio soon after it
/// starts, otherwise opening fails with whatever it printed on stderr; a process that stays alive but stops writing
/// (an <c>arecord</c> that lost sync, an ffmpeg pulling a stalled stream) fails like one that exited.
/// </summary>
public sealed class ProcessAudioSource : IAudioSource
{
    private readonly string _fileName;
    private readonly string[] _arguments;
    private readonly TimeSpan _firstAudioTimeout;
    private readonly TimeSpan _silentFor;

    /// <param name="silentFor">How long the process may write nothing, once it has delivered audio, before the source
    /// counts as failed and is opened again (default <see cref="AudioSourceFactory.SilentFor"/>).</param>
    public ProcessAudioSource(string description, string fileName, IEnumerable<string> arguments, TimeSpan firstAudioTimeout, TimeSpan? silentFor = null)
    {
        Description = description;
        _fileName = fileName;
        _arguments = [.. arguments];
        _firstAudioTimeout = firstAudioTimeout;
        _silentFor = silentFor ?? AudioSourceFactory.SilentFor;
    }

    public string Description { get; }

    public bool IsLive => true;

    public static ProcessAudioSource Alsa(string device, TimeSpan firstAudioTimeout, TimeSpan? silentFor = null) =>
        new(
            "alsa:" + device,
            "arecord",
            ["-q", "-D", device, "-f", "S16_LE", "-c", "1", "-r", FingerprintSettings.SampleRate.ToString(CultureInfo.InvariantCulture), "-t", "raw"],
            firstAudioTimeout,
            silentFor);

    public static ProcessAudioSource Command(string command, TimeSpan firstAudioTimeout, TimeSpan? silentFor = null) =>
        OperatingSystem.IsWindows()
            ? new(CommandDescription(command), "cmd.exe", ["/c", command], firstAudioTimeout, silentFor)
            : new(CommandDescription(command), "/bin/sh", ["-c", command], firstAudioTimeout, silentFor);

    // Shown in logs and in the retained status message: the program only, its arguments may carry a URL with a password.
    private static string CommandDescription(string command)
    {
        var words = command.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        return words.Length switch
        {
            0 => "cmd:",
            1 => "cmd:" + words[0],
            _ => "cmd:" + words[0] + " …",
        };
    }

    public async Task<IAudioInput> OpenAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(_fileName)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in _arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new SourceUnavailableException($"{Description}: '{_fileName}' did not start");
        }
        catch (Win32Exception ex)
        {
            var hint = _fileName == "arecord" ? " (install alsa-utils)" : string.Empty;
            throw new SourceUnavailableException($"{Description}: cannot run '{_fileName}'{hint}: {ex.Message}", ex);
        }

        var input = new Input(process, Description, _silentFor);
        try
        {
            await input.WaitForFirstAudioAsync(_firstAudioTimeout, cancellationToken).ConfigureAwait(false);
            return input;
        }
        catch
        {
            input.Dispose();
            throw;
        }
    }

    private sealed class Input : IAudioInput
    {
        private const int MaxErrorChars = 2000;
        private readonly Process _process;
        private readonly string _description;
        private readonly Stream _stdout;
        private readonly IdleTimeoutStream _audio; // _stdout once audio flows: a silent process fails the read
        private readonly System.Text.StringBuilder _stderr = new();
        private readonly byte[] _bytes = new byte[8192];
        private int _buffered; // bytes at the start of _bytes not yet converted
        private int _disposed;

        public Input(Process process, string description, TimeSpan silentFor)
        {
            _process = process;
            _description = description;
            _stdout = process.StandardOutput.BaseStream;
            _audio = new IdleTimeoutStream(_stdout, silentFor);
            process.StandardInput.Close();
            process.ErrorDataReceived += (_, e) =>
            {
                lock (_stderr)
                {
                    if (e.Data is { } line && _stderr.Length < MaxErrorChars)
                    {
                        _stderr.AppendLine(line);
                    }
                }
            };
            process.BeginErrorReadLine();
        }

        public string? Hint => null;

        public async Task WaitForFirstAudioAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            int read;
            try
            {
                read = await _stdout.ReadAtLeastAsync(_bytes.AsMemory(0, 2), 2, throwOnEndOfStream: false, timeoutSource.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new SourceUnavailableException($"{_description}: no audio within {timeout.TotalSeconds:0} s{Errors()}");
            }

            if (read < 2)
            {
                // Let stderr drain so the message says why (e.g. "audio open error: No such file or directory").
                await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new SourceUnavailableException($"{_description}: exited (exit code {_process.ExitCode}) before producing audio{Errors()}");
            }

            _buffered = read;
        }

        public int Read(Span<float> buffer)
        {
            var wanted = Math.Min(buffer.Length * 2, _bytes.Length);
            while (_buffered < 2)
            {
                int read;
                try
                {
                    read = _audio.Read(_bytes, _buffered, wanted - _buffered);
                }
                catch (Exception ex) when (ex is ObjectDisposedException or IOException && Volatile.Read(ref _disposed) != 0)
                {
                    return 0;
                }
                catch (IOException ex)
                {
                    // Silent for too long (or the pipe failed): the process is killed on disposal and opened again.
                    throw new SourceUnavailableException($"{_description}: {ex.Message}{Errors()}", ex);
                }

                if (read == 0)
                {
                    if (Volatile.Read(ref _disposed) != 0)
                    {
                        return 0;
                    }

                    _process.WaitForExit(1000);
                    throw new SourceUnavailableException($"{_description}: stopped{ExitCode()}{Errors()}");
                }

                _buffered += read;
            }

            var samples = Math.Min(buffer.Length, _buffered / 2);
            for (var i = 0; i < samples; i++)
            {
                buffer[i] = (short)(_bytes[2 * i] | (_bytes[(2 * i) + 1] << 8)) / 32768f;
            }

            var used = samples * 2;
            Buffer.BlockCopy(_bytes, used, _bytes, 0, _buffered - used);
            _buffered -= used;
            return samples;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }

            _process.Dispose();
            _audio.Dispose();
        }

        private string ExitCode() => _process.HasExited ? $" (exit code {_process.ExitCode})" : string.Empty;

        private string Errors()
        {
            lock (_stderr)
            {
                var text = _stderr.ToString().Trim().ReplaceLineEndings(" | ");
                return text.Length == 0 ? string.Empty : ": " + text;
            }
        }
    }
}
