namespace Zamio.Shared.Audio;

/// <summary>
/// Opens audio files and streams as mono float sources at a target rate: decoder → mono mixer → resampler.
/// The format is detected from content; WAV, MP3 and Ogg Vorbis decode in-process, other formats need ffmpeg.
/// Content problems surface as <see cref="AudioFormatException"/>, at open or on a later read.
/// </summary>
public static class AudioDecoder
{
    // ID3 tags with cover art can be large; beyond this the content is assumed to be MP3 without looking.
    /// <summary>The lowest source rate decoded (below telephone audio's 8 kHz, above any rate real audio uses less).</summary>
    public const int MinSampleRate = 4_000;

    /// <summary>The highest source rate decoded (studio formats go to 384 kHz; 768 kHz leaves room).</summary>
    public const int MaxSampleRate = 768_000;

    private const int MaxId3Peek = 1 << 20;

    public static ISampleSource Open(string path, int targetSampleRate) =>
        Open(path, targetSampleRate, FfmpegSource.DefaultExecutable);

    /// <summary>
    /// Opens <paramref name="stream"/>, which the returned source owns (it is disposed also if opening fails).
    /// <paramref name="fileNameHint"/> helps only for formats without magic bytes. MP4/M4A with the index at
    /// the end cannot be decoded from a pipe; open those by path.
    /// </summary>
    public static ISampleSource Open(Stream stream, string? fileNameHint, int targetSampleRate) =>
        Open(stream, fileNameHint, targetSampleRate, FfmpegSource.DefaultExecutable);

    /// <summary>Decodes a whole file into memory.</summary>
    public static float[] DecodeAll(string path, int targetSampleRate)
    {
        using ISampleSource source = Open(path, targetSampleRate);
        var samples = new float[Math.Max(targetSampleRate, 4096)];
        int count = 0;
        int read;
        while ((read = source.Read(samples.AsSpan(count))) > 0)
        {
            count += read;
            if (count == samples.Length)
            {
                Array.Resize(ref samples, samples.Length * 2);
            }
        }

        Array.Resize(ref samples, count);
        return samples;
    }

    internal static ISampleSource Open(string path, int targetSampleRate, string ffmpeg)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSampleRate);
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' is a folder, not an audio file", path);
        }

        return OpenCore(File.OpenRead(path), path, path, targetSampleRate, ffmpeg);
    }

    internal static ISampleSource Open(Stream stream, string? fileNameHint, int targetSampleRate, string ffmpeg)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSampleRate);
        return OpenCore(stream, null, fileNameHint, targetSampleRate, ffmpeg);
    }

    private static ISampleSource OpenCore(Stream stream, string? path, string? name, int targetSampleRate, string ffmpeg)
    {
        AudioContainer container;
        try
        {
            byte[] header = Peek(ref stream);
            if (header.Length == 0)
            {
                throw new AudioFormatException($"empty audio input{Describe(name)}");
            }

            container = AudioFormatSniffer.Detect(header, name);
            if (container == AudioContainer.Unknown)
            {
                throw new AudioFormatException(
                    $"unsupported audio format{Describe(name)}: not WAV, MP3, Ogg, AAC/M4A, Opus, FLAC or another known format");
            }
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        if (container == AudioContainer.Ffmpeg)
        {
            if (path is not null)
            {
                stream.Dispose(); // ffmpeg reads the file itself, so MP4 can seek to its index
            }

            var ffmpegSource = FfmpegSource.Start(ffmpeg, path, path is null ? stream : null, targetSampleRate);
            return new DecodeGuard(ffmpegSource, "audio (ffmpeg)");
        }

        IInterleavedSource decoder = OpenDecoder(container, stream);
        ISampleSource mono;
        try
        {
            mono = new MonoMixer(decoder);
        }
        catch
        {
            decoder.Dispose();
            throw;
        }

        // A header can claim any rate: 1 Hz would make a few kilobytes hours of audio to resample, 0 none at all.
        if (mono.SampleRate is < MinSampleRate or > MaxSampleRate)
        {
            decoder.Dispose();
            throw new AudioFormatException($"unsupported sample rate {mono.SampleRate} Hz{Describe(name)}: {MinSampleRate}-{MaxSampleRate} Hz are read");
        }

        ISampleSource resampled = mono.SampleRate == targetSampleRate ? mono : new Resampler(mono, targetSampleRate);
        return new DecodeGuard(resampled, decoder.FormatName);
    }

    private static IInterleavedSource OpenDecoder(AudioContainer container, Stream stream)
    {
        string formatName = container switch
        {
            AudioContainer.Wav => "WAV",
            AudioContainer.Mp3 => "MP3",
            _ => "Ogg Vorbis",
        };

        try
        {
            return container switch
            {
                AudioContainer.Wav => new WavDecoder(stream.CanSeek ? stream : Buffer(stream)),
                AudioContainer.Mp3 => new Mp3Decoder(stream),
                _ => new VorbisDecoder(stream),
            };
        }
        catch (Exception ex) when (ex is not AudioFormatException)
        {
            stream.Dispose();
            throw new AudioFormatException($"corrupt or truncated {formatName}: {ex.Message}", ex);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // NAudio's WAV reader seeks; WAV arrives as whole files, so buffering a non-seekable one is acceptable.
    private static MemoryStream Buffer(Stream stream)
    {
        var memory = new MemoryStream();
        using (stream)
        {
            stream.CopyTo(memory);
        }

        memory.Position = 0;
        return memory;
    }

    /// <summary>Reads the first bytes; leaves <paramref name="stream"/> positioned (or replaced) to replay them.</summary>
    private static byte[] Peek(ref Stream stream)
    {
        long start = stream.CanSeek ? stream.Position : 0;
        byte[] header = ReadUpTo(stream, [], AudioFormatSniffer.HeaderLength);
        int id3Length = AudioFormatSniffer.Id3TagLength(header);
        if (header.Length == AudioFormatSniffer.HeaderLength && id3Length + 4 > header.Length && id3Length + 4 <= MaxId3Peek)
        {
            header = ReadUpTo(stream, header, id3Length + 4);
        }

        if (stream.CanSeek)
        {
            stream.Position = start;
        }
        else
        {
            stream = new PrefixedStream(header, stream);
        }

        return header;
    }

    private static byte[] ReadUpTo(Stream stream, byte[] already, int length)
    {
        byte[] buffer = new byte[length];
        already.CopyTo(buffer, 0);
        int count = already.Length + stream.ReadAtLeast(buffer.AsSpan(already.Length), length - already.Length, throwOnEndOfStream: false);
        return count == length ? buffer : buffer[..count];
    }

    private static string Describe(string? name) => name is null ? string.Empty : $" ({Path.GetFileName(name)})";
}
