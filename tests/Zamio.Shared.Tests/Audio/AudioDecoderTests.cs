using System.Buffers.Binary;
using NAudio.Wave;
using Xunit.Abstractions;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.IO;

namespace Zamio.Shared.Tests.Audio;

public class AudioDecoderTests(ITestOutputHelper output)
{
    private const int Rate = FingerprintSettings.SampleRate;

    public static TheoryData<string> CompressedFixtures => new()
    {
        "tone1k-44k-stereo.mp3", "tone1k-22k-mono-noid3.mp3", "tone1k-44k-stereo.ogg",
    };

    public static TheoryData<string> FfmpegFixtures => new()
    {
        "tone1k-48k-stereo.opus", "tone1k-44k-mono.m4a", "tone1k-16k-mono.flac",
    };

    [Fact]
    public void Open_Wav16BitStereo44k_ReturnsMonoToneAt8k()
    {
        float[] tone = TestAudio.Sine(44100, 1000, 1, 0.5);
        byte[] wav = TestAudio.Wav(new WaveFormat(44100, 16, 2), TestAudio.Interleave(tone, tone));

        using ISampleSource source = AudioDecoder.Open(new MemoryStream(wav), "tone.wav", Rate);
        float[] samples = TestAudio.ReadAll(source);

        Assert.Equal(Rate, source.SampleRate);
        Assert.Equal(Rate, samples.Length);
        AssertTone(samples.AsSpan(800, 6400), expectedAmplitude: 0.5);
    }

    [Fact]
    public void Open_StereoChannelsDiffer_AveragesChannels()
    {
        byte[] wav = TestAudio.Wav(
            new WaveFormat(Rate, 16, 2),
            TestAudio.Interleave(TestAudio.Sine(Rate, 1000, 1, 0.6), TestAudio.Sine(Rate, 1000, 1, 0.2)));

        float[] samples = TestAudio.ReadAll(AudioDecoder.Open(new MemoryStream(wav), null, Rate));

        AssertTone(samples, expectedAmplitude: 0.4);
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(24, false)]
    [InlineData(32, false)]
    [InlineData(32, true)]
    public void Open_WavSampleFormats_DecodesTone(int bits, bool isFloat)
    {
        WaveFormat format = isFloat
            ? WaveFormat.CreateIeeeFloatWaveFormat(48000, 1)
            : bits == 32 ? new WaveFormatExtensible(48000, 32, 1) : new WaveFormat(48000, bits, 1);
        byte[] wav = TestAudio.Wav(format, TestAudio.Sine(48000, 1000, 1, 0.5));

        float[] samples = TestAudio.ReadAll(AudioDecoder.Open(new MemoryStream(wav), "tone.wav", Rate));

        Assert.Equal(Rate, samples.Length);
        AssertTone(samples.AsSpan(800, 6400), expectedAmplitude: 0.5);
    }

    [Theory]
    [MemberData(nameof(CompressedFixtures))]
    public void DecodeAll_CompressedFixture_DecodesOneSecondTone(string fixture)
    {
        float[] samples = AudioDecoder.DecodeAll(TestAudio.Fixture(fixture), Rate);

        // Encoders add up to a frame or two of padding.
        Assert.InRange(samples.Length, Rate - 100, Rate + 1200);
        AssertTone(samples.AsSpan(1600, 4800), expectedAmplitude: null);
    }

    [Theory]
    [MemberData(nameof(CompressedFixtures))]
    public void Open_NonSeekableStreamWithoutHint_DetectsByContent(string fixture)
    {
        var stream = new NonSeekableStream(File.ReadAllBytes(TestAudio.Fixture(fixture)));

        using ISampleSource source = AudioDecoder.Open(stream, null, Rate);

        AssertTone(TestAudio.ReadAll(source).AsSpan(1600, 4800), expectedAmplitude: null);
    }

    [Fact]
    public void Open_NonSeekableWavStream_Decodes()
    {
        byte[] wav = TestAudio.Wav(new WaveFormat(22050, 16, 1), TestAudio.Sine(22050, 1000, 1, 0.5));

        float[] samples = TestAudio.ReadAll(AudioDecoder.Open(new NonSeekableStream(wav), null, Rate));

        AssertTone(samples.AsSpan(800, 6400), expectedAmplitude: 0.5);
    }

    [Fact]
    public void Open_Mp3NamedWav_DetectsByContent()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zamio-{Guid.NewGuid():N}.wav");
        File.Copy(TestAudio.Fixture("tone1k-44k-stereo.mp3"), path);
        try
        {
            AssertTone(AudioDecoder.DecodeAll(path, Rate).AsSpan(1600, 4800), expectedAmplitude: null);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(FfmpegFixtures))]
    public void DecodeAll_FfmpegFormat_DecodesOneSecondTone(string fixture)
    {
        if (!TestAudio.RequireFfmpeg())
        {
            output.WriteLine("ffmpeg not on PATH; skipped");
            return;
        }

        float[] samples = AudioDecoder.DecodeAll(TestAudio.Fixture(fixture), Rate);

        Assert.InRange(samples.Length, Rate - 100, Rate + 1200);
        AssertTone(samples.AsSpan(1600, 4800), expectedAmplitude: null);
    }

    [Fact]
    public void Open_OggOpusStream_DecodesThroughFfmpeg()
    {
        if (!TestAudio.RequireFfmpeg())
        {
            output.WriteLine("ffmpeg not on PATH; skipped");
            return;
        }

        var stream = new NonSeekableStream(File.ReadAllBytes(TestAudio.Fixture("tone1k-48k-stereo.opus")));

        using ISampleSource source = AudioDecoder.Open(stream, null, Rate);

        AssertTone(TestAudio.ReadAll(source).AsSpan(1600, 4800), expectedAmplitude: null);
    }

    [Fact]
    public void Open_FfmpegMissing_ThrowsAudioFormatExceptionSuggestingInstall()
    {
        var stream = new MemoryStream(File.ReadAllBytes(TestAudio.Fixture("tone1k-16k-mono.flac")));

        var ex = Assert.Throws<AudioFormatException>(
            () => AudioDecoder.Open(stream, "tone.flac", Rate, "zamio-test-no-such-ffmpeg"));

        Assert.Contains("install ffmpeg", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_FfmpegRejectsInput_ThrowsAudioFormatExceptionWithFfmpegError()
    {
        if (!TestAudio.RequireFfmpeg())
        {
            output.WriteLine("ffmpeg not on PATH; skipped");
            return;
        }

        // MP4 keeps its index ("moov") at the end here, so half a file is undecodable.
        byte[] m4a = File.ReadAllBytes(TestAudio.Fixture("tone1k-44k-mono.m4a"));

        var ex = Assert.Throws<AudioFormatException>(() => TestAudio.ReadAll(AudioDecoder.Open(new MemoryStream(m4a[..100]), null, Rate)));

        Assert.StartsWith("ffmpeg failed", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("tone1k-44k-stereo.mp3", 2)]
    [InlineData("tone1k-44k-stereo.mp3", -100)]
    [InlineData("tone1k-22k-mono-noid3.mp3", 2)]
    [InlineData("tone1k-22k-mono-noid3.mp3", -100)]
    [InlineData("tone1k-44k-stereo.ogg", 2)]
    [InlineData("tone1k-44k-stereo.ogg", -100)]
    [InlineData("tone1k-44k-stereo.ogg", -4000)]
    [InlineData("wav", 2)]
    [InlineData("wav", -100)]
    [InlineData("wav", -30)]
    public void Open_TruncatedInput_EndsCleanlyOrThrowsAudioFormatException(string fixture, int cut)
    {
        byte[] content = fixture == "wav"
            ? TestAudio.Wav(new WaveFormat(44100, 16, 2), new float[44100 * 2])
            : File.ReadAllBytes(TestAudio.Fixture(fixture));
        int length = cut > 0 ? content.Length / cut : -cut; // positive: divide; negative: keep that many bytes

        // Passes when decoding ends or throws AudioFormatException; anything else propagates and fails.
        float[]? samples = TestAudio.DecodeOrFormatError(content[..length], null);

        output.WriteLine(samples is null ? "AudioFormatException" : $"{samples.Length} samples");
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(2, "noise.mp3")]
    [InlineData(3, "noise.wav")]
    [InlineData(4, "noise.ogg")]
    public void Open_RandomBytes_ThrowsAudioFormatException(int seed, string? hint)
    {
        var content = new byte[8192];
        new Random(seed).NextBytes(content);

        Assert.Throws<AudioFormatException>(() => TestAudio.ReadAll(AudioDecoder.Open(new MemoryStream(content), hint, Rate)));
    }

    [Fact]
    public void Open_RandomBytesAfterWavHeader_EndsCleanlyOrThrowsAudioFormatException()
    {
        var content = new byte[8192];
        new Random(5).NextBytes(content);
        "RIFF"u8.CopyTo(content);
        "WAVE"u8.CopyTo(content.AsSpan(8));

        TestAudio.DecodeOrFormatError(content, null);
    }

    [Fact]
    public void Open_EmptyFile_ThrowsAudioFormatException()
    {
        string path = Path.Combine(Path.GetTempPath(), $"zamio-{Guid.NewGuid():N}.mp3");
        File.WriteAllBytes(path, []);
        try
        {
            var ex = Assert.Throws<AudioFormatException>(() => AudioDecoder.Open(path, Rate));
            Assert.Contains("empty", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Open_WavWithoutSamples_ThrowsAudioFormatException()
    {
        byte[] wav = TestAudio.Wav(new WaveFormat(44100, 16, 2), []);

        var ex = Assert.Throws<AudioFormatException>(() => TestAudio.ReadAll(AudioDecoder.Open(new MemoryStream(wav), null, Rate)));

        Assert.Contains("no decodable audio", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(AudioDecoder.MinSampleRate - 1)]
    [InlineData(AudioDecoder.MaxSampleRate + 1)]
    public void Open_WavClaimingAnAbsurdSampleRate_ThrowsAudioFormatException(int claimed)
    {
        byte[] wav = TestAudio.Wav(new WaveFormat(8000, 16, 1), new float[8000]);
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(24), claimed); // fmt chunk: sample rate
        BinaryPrimitives.WriteInt32LittleEndian(wav.AsSpan(28), claimed * 2); // and byte rate

        var ex = Assert.Throws<AudioFormatException>(() => TestAudio.ReadAll(AudioDecoder.Open(new MemoryStream(wav), "clip.wav", Rate)));

        Assert.Contains($"unsupported sample rate {claimed} Hz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NonPositiveRate_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AudioDecoder.Open(new MemoryStream([1, 2, 3]), null, 0));
    }

    private static void AssertTone(ReadOnlySpan<float> samples, double? expectedAmplitude)
    {
        Assert.Equal(1000, TestAudio.DominantFrequency(samples, Rate), 0);
        double amplitude = TestAudio.ToneAmplitude(samples, Rate, 1000);
        if (expectedAmplitude is { } expected)
        {
            Assert.InRange(TestAudio.Decibels(amplitude / expected), -0.5, 0.5);
        }
        else
        {
            Assert.True(amplitude > 0.01, $"tone amplitude {amplitude} too low");
        }
    }

    /// <summary>Like a network stream: forward-only, and reads return small pieces.</summary>
    private sealed class NonSeekableStream(byte[] content) : ReadOnlyStream
    {
        private readonly MemoryStream inner = new(content);

        public override int Read(Span<byte> buffer) => inner.Read(buffer[..Math.Min(buffer.Length, 1000)]);
    }
}
