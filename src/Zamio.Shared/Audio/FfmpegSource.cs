using System.Buffers.Binary;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Zamio.Shared.Audio;

/// <summary>
/// Decodes anything ffmpeg understands to mono float at the target rate, read from ffmpeg's stdout.
/// Stream input is written to ffmpeg's stdin on a background task.
/// </summary>
internal sealed class FfmpegSource : ISampleSource
{
    public const string DefaultExecutable = "ffmpeg";

    private const int ChunkBytes = 32 * 1024;

    private readonly Process process;
    private readonly Stream output;
    private readonly StringBuilder errors = new();
    private readonly CancellationTokenSource cancel = new();
    private readonly byte[] bytes = new byte[ChunkBytes];
    private int carried; // bytes of an incomplete float kept for the next read
    private bool finished;

    private FfmpegSource(Process process, int sampleRate)
    {
        this.process = process;
        SampleRate = sampleRate;
        output = process.StandardOutput.BaseStream;
    }

    public int SampleRate { get; }

    /// <summary>Starts ffmpeg on a file path, or on <paramref name="input"/> (owned, disposed when fed) if given.</summary>
    public static FfmpegSource Start(string executable, string? path, Stream? input, int sampleRate)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            CreateNoWindow = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
        };

        // "file:" stops ffmpeg reading a name like "http:x" as a protocol; a path keeps MP4 seekable.
        string inputArgument = input is null ? "file:" + Path.GetFullPath(path!) : "pipe:0";
        string[] arguments = ["-nostdin", "-v", "error", "-i", inputArgument, "-vn", "-f", "f32le", "-ac", "1", "-ar"];
        foreach (string argument in arguments.Skip(input is null ? 0 : 1))
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Add(sampleRate.ToString(System.Globalization.CultureInfo.InvariantCulture));
        info.ArgumentList.Add("pipe:1");

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            input?.Dispose();
            throw new AudioFormatException(
                $"unsupported audio format (install ffmpeg to decode AAC/M4A, Opus, FLAC...): {ex.Message}", ex);
        }

        var source = new FfmpegSource(process, sampleRate);
        process.ErrorDataReceived += source.OnErrorData;
        process.BeginErrorReadLine();
        if (input is not null)
        {
            // A pipe write can block until ffmpeg reads, so never feed on the caller's thread.
            _ = Task.Run(() => source.FeedAsync(input));
        }

        return source;
    }

    public int Read(Span<float> buffer)
    {
        while (!finished && !buffer.IsEmpty)
        {
            int want = Math.Min(bytes.Length, buffer.Length * sizeof(float)) - carried;
            int read = output.Read(bytes, carried, want);
            if (read == 0)
            {
                finished = true;
                ThrowIfFailed();
                break;
            }

            int available = carried + read;
            int count = available / sizeof(float);
            for (int i = 0; i < count; i++)
            {
                float sample = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
                buffer[i] = Math.Clamp(sample, -1f, 1f); // ffmpeg's resampler may overshoot full scale
            }

            carried = available - (count * sizeof(float));
            bytes.AsSpan(count * sizeof(float), carried).CopyTo(bytes);
            if (count > 0)
            {
                return count;
            }
        }

        return 0;
    }

    public void Dispose()
    {
        cancel.Cancel();
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }

        output.Dispose();
        process.Dispose();
        cancel.Dispose();
    }

    private void ThrowIfFailed()
    {
        process.WaitForExit(); // also drains stderr
        if (process.ExitCode == 0)
        {
            return;
        }

        string message;
        lock (errors)
        {
            message = errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .FirstOrDefault() ?? $"exit code {process.ExitCode}";
        }

        throw new AudioFormatException($"ffmpeg failed to decode: {message}");
    }

    private void OnErrorData(object sender, DataReceivedEventArgs e)
    {
        if (!string.IsNullOrWhiteSpace(e.Data))
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        }
    }

    private async Task FeedAsync(Stream input)
    {
        Stream stdin = process.StandardInput.BaseStream;
        try
        {
            await input.CopyToAsync(stdin, cancel.Token);
        }
        catch (IOException)
        {
            // ffmpeg stopped reading (it failed, or has enough); the exit code tells the reader.
        }
        catch (OperationCanceledException)
        {
            // Disposed before the input was consumed.
        }
        catch (ObjectDisposedException)
        {
            // Disposed while copying.
        }
        finally
        {
            input.Dispose();
            try
            {
                stdin.Dispose(); // end of input for ffmpeg
            }
            catch (IOException)
            {
                // Pipe already broken.
            }
        }
    }
}
