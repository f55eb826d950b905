using Zamio.Shared.Audio;

namespace Zamio.Shared.Tests.Audio;

public class AudioFormatSnifferTests
{
    [Theory]
    [InlineData("tone1k-44k-stereo.mp3", nameof(AudioContainer.Mp3))]
    [InlineData("tone1k-22k-mono-noid3.mp3", nameof(AudioContainer.Mp3))]
    [InlineData("tone1k-44k-stereo.ogg", nameof(AudioContainer.OggVorbis))]
    [InlineData("tone1k-48k-stereo.opus", nameof(AudioContainer.Ffmpeg))]
    [InlineData("tone1k-44k-mono.m4a", nameof(AudioContainer.Ffmpeg))]
    [InlineData("tone1k-16k-mono.flac", nameof(AudioContainer.Ffmpeg))]
    public void Detect_FixtureWithMisleadingName_UsesContent(string fixture, string expected)
    {
        byte[] header = File.ReadAllBytes(TestAudio.Fixture(fixture))[..AudioFormatSniffer.HeaderLength];

        Assert.Equal(Enum.Parse<AudioContainer>(expected), AudioFormatSniffer.Detect(header, "misleading.wav"));
    }

    [Fact]
    public void Detect_Mp3CapturedMidFrame_ReturnsMp3()
    {
        byte[] mp3 = File.ReadAllBytes(TestAudio.Fixture("tone1k-22k-mono-noid3.mp3"));

        Assert.Equal(AudioContainer.Mp3, AudioFormatSniffer.Detect(mp3.AsSpan(37, AudioFormatSniffer.HeaderLength), null));
    }

    [Fact]
    public void Detect_AdtsAac_ReturnsFfmpeg()
    {
        byte[] adts = [0xFF, 0xF1, 0x50, 0x80, 0x02, 0x1F, 0xFC, 0x21, 0x00];

        Assert.Equal(AudioContainer.Ffmpeg, AudioFormatSniffer.Detect(adts, null));
    }

    [Theory]
    [InlineData(1, nameof(AudioContainer.Wav))]      // PCM
    [InlineData(3, nameof(AudioContainer.Wav))]      // IEEE float
    [InlineData(2, nameof(AudioContainer.Ffmpeg))]   // MS ADPCM
    [InlineData(0x55, nameof(AudioContainer.Ffmpeg))] // MP3 in WAV
    public void Detect_WavFormatTag_ChoosesDecoder(ushort formatTag, string expected)
    {
        byte[] header = new byte[44];
        "RIFF"u8.CopyTo(header);
        "WAVEfmt "u8.CopyTo(header.AsSpan(8));
        BitConverter.TryWriteBytes(header.AsSpan(16), 16);
        BitConverter.TryWriteBytes(header.AsSpan(20), formatTag);

        Assert.Equal(Enum.Parse<AudioContainer>(expected), AudioFormatSniffer.Detect(header, null));
    }

    [Theory]
    [InlineData("clip.m4a", nameof(AudioContainer.Ffmpeg))]
    [InlineData("clip.FLAC", nameof(AudioContainer.Ffmpeg))]
    [InlineData("clip.mp3", nameof(AudioContainer.Unknown))]
    [InlineData(null, nameof(AudioContainer.Unknown))]
    public void Detect_UnrecognisedBytes_FallsBackToExtensionForFfmpegFormatsOnly(string? name, string expected)
    {
        var header = new byte[512];
        new Random(7).NextBytes(header);
        header[0] = 0; // not a sync byte

        Assert.Equal(Enum.Parse<AudioContainer>(expected), AudioFormatSniffer.Detect(header, name));
    }

    [Fact]
    public void Id3TagLength_SynchsafeSize_IncludesHeader()
    {
        byte[] header = [.. "ID3"u8, 4, 0, 0, 0, 0, 0x02, 0x01];

        Assert.Equal(10 + 257, AudioFormatSniffer.Id3TagLength(header));
    }
}
