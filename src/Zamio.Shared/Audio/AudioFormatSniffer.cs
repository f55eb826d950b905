using System.Buffers.Binary;
using System.Text;

namespace Zamio.Shared.Audio;

/// <summary>Decides how to decode an input from its first bytes; the file name is only a fallback.</summary>
internal static class AudioFormatSniffer
{
    /// <summary>Enough for any signature we check; ID3 tags may ask for more via <see cref="Id3TagLength"/>.</summary>
    public const int HeaderLength = 4096;

    private const ushort WaveFormatPcm = 1;
    private const ushort WaveFormatIeeeFloat = 3;
    private const ushort WaveFormatExtensible = 0xFFFE;

    private static readonly string[] FfmpegExtensions =
    [
        ".aac", ".m4a", ".mp4", ".3gp", ".opus", ".flac", ".wma", ".asf", ".ac3", ".amr",
        ".aif", ".aiff", ".caf", ".mka", ".webm", ".wv", ".ape", ".mpc",
    ];

    // Magic bytes at offset 0 of formats that only ffmpeg decodes.
    private static readonly byte[][] FfmpegMagic =
    [
        "fLaC"u8.ToArray(), "RF64"u8.ToArray(), "BW64"u8.ToArray(), "FORM"u8.ToArray(), "caff"u8.ToArray(),
        "#!AMR"u8.ToArray(), "wvpk"u8.ToArray(), "MAC "u8.ToArray(), "ADIF"u8.ToArray(), "MPCK"u8.ToArray(),
        [0x1A, 0x45, 0xDF, 0xA3], // EBML: Matroska / WebM
        [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11], // ASF: WMA
        [0x0B, 0x77], // AC-3
    ];

    public static AudioContainer Detect(ReadOnlySpan<byte> header, string? fileNameHint)
    {
        if (header.StartsWith("RIFF"u8) && header.Length >= 12 && header[8..12].SequenceEqual("WAVE"u8))
        {
            return IsPlainWave(header) ? AudioContainer.Wav : AudioContainer.Ffmpeg;
        }

        if (header.StartsWith("OggS"u8))
        {
            return IsOggVorbis(header) ? AudioContainer.OggVorbis : AudioContainer.Ffmpeg;
        }

        if (header.Length >= 8 && header[4..8].SequenceEqual("ftyp"u8))
        {
            return AudioContainer.Ffmpeg;
        }

        foreach (byte[] magic in FfmpegMagic)
        {
            if (header.StartsWith(magic))
            {
                return AudioContainer.Ffmpeg;
            }
        }

        int audioStart = Id3TagLength(header);
        if (audioStart > 0 && audioStart + 4 > header.Length)
        {
            // A tag larger than what was peeked: ID3v2 is an MP3 convention, AAC files rarely carry it.
            return AudioContainer.Mp3;
        }

        ReadOnlySpan<byte> audio = header[audioStart..];
        if (IsAdts(audio))
        {
            return AudioContainer.Ffmpeg;
        }

        if (audioStart > 0 || MpegFrameHeader.TryParse(audio, out _) || MpegFrameHeader.FindFramePair(audio) >= 0)
        {
            return AudioContainer.Mp3;
        }

        string extension = Path.GetExtension(fileNameHint ?? string.Empty);
        return FfmpegExtensions.Contains(extension, StringComparer.OrdinalIgnoreCase)
            ? AudioContainer.Ffmpeg
            : AudioContainer.Unknown;
    }

    /// <summary>Total bytes of a leading ID3v2 tag (header, body, footer), or 0 when there is none.</summary>
    public static int Id3TagLength(ReadOnlySpan<byte> header)
    {
        if (header.Length < 10 || !header.StartsWith("ID3"u8))
        {
            return 0;
        }

        // The size is a 28-bit "synchsafe" integer: 7 bits per byte.
        int size = (header[6] & 0x7F) << 21 | (header[7] & 0x7F) << 14 | (header[8] & 0x7F) << 7 | (header[9] & 0x7F);
        bool hasFooter = (header[5] & 0x10) != 0;
        return 10 + size + (hasFooter ? 10 : 0);
    }

    private static bool IsAdts(ReadOnlySpan<byte> data) =>
        data.Length >= 2 && data[0] == 0xFF && (data[1] & 0xF6) == 0xF0;

    // PCM and float WAV go to NAudio; other codecs in a WAV wrapper (ADPCM, A-law, MP3...) go to ffmpeg.
    private static bool IsPlainWave(ReadOnlySpan<byte> header)
    {
        int position = 12;
        while (position + 8 <= header.Length)
        {
            int size = BinaryPrimitives.ReadInt32LittleEndian(header[(position + 4)..]);
            if (header[position..(position + 4)].SequenceEqual("fmt "u8))
            {
                if (position + 10 > header.Length)
                {
                    break;
                }

                ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(header[(position + 8)..]);
                if (tag == WaveFormatExtensible && position + 34 <= header.Length)
                {
                    // The first two bytes of the sub-format GUID carry the real format tag.
                    tag = BinaryPrimitives.ReadUInt16LittleEndian(header[(position + 32)..]);
                }

                return tag is WaveFormatPcm or WaveFormatIeeeFloat or WaveFormatExtensible;
            }

            if (size < 0)
            {
                break;
            }

            position += 8 + size + (size & 1);
        }

        // No readable fmt chunk: let NAudio report what is wrong.
        return true;
    }

    // The first Ogg page carries the codec's identification packet right after the segment table.
    private static bool IsOggVorbis(ReadOnlySpan<byte> header)
    {
        if (header.Length < 27)
        {
            return false;
        }

        int packetStart = 27 + header[26];
        return header.Length >= packetStart + 7 && header.Slice(packetStart, 7).SequenceEqual("\u0001vorbis"u8);
    }
}
