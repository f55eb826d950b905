namespace Zamio.Shared.Audio;

/// <summary>Validates MPEG-1/2/2.5 audio frame headers, so MP3 content is recognised without an ID3 tag.</summary>
internal static class MpegFrameHeader
{
    // kbps by bitrate index 1..14: MPEG-1 layers I, II, III, then MPEG-2/2.5 layer I, then layers II and III.
    private static readonly int[][] Bitrates =
    [
        [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
        [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
        [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
        [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    ];

    private static readonly int[] Mpeg1Rates = [44100, 48000, 32000];

    /// <summary>True when the 4 bytes form a plausible header (free-format bitrate allowed, length then 0).</summary>
    public static bool TryParse(ReadOnlySpan<byte> header, out int frameLength)
    {
        frameLength = 0;
        if (header.Length < 4 || header[0] != 0xFF || (header[1] & 0xE0) != 0xE0)
        {
            return false;
        }

        int version = (header[1] >> 3) & 3; // 0 = MPEG-2.5, 1 = reserved, 2 = MPEG-2, 3 = MPEG-1
        int layer = (header[1] >> 1) & 3;   // 0 = reserved (ADTS AAC uses it), 1 = III, 2 = II, 3 = I
        int bitrateIndex = header[2] >> 4;
        int rateIndex = (header[2] >> 2) & 3;
        if (version == 1 || layer == 0 || bitrateIndex == 15 || rateIndex == 3)
        {
            return false;
        }

        if (bitrateIndex == 0)
        {
            return true;
        }

        bool mpeg1 = version == 3;
        int table = mpeg1 ? 3 - layer : (layer == 3 ? 3 : 4);
        int bitrate = Bitrates[table][bitrateIndex - 1] * 1000;
        int sampleRate = Mpeg1Rates[rateIndex] >> (mpeg1 ? 0 : version == 2 ? 1 : 2);
        int padding = (header[2] >> 1) & 1;
        frameLength = layer switch
        {
            3 => ((12 * bitrate / sampleRate) + padding) * 4,
            1 when !mpeg1 => (72 * bitrate / sampleRate) + padding,
            _ => (144 * bitrate / sampleRate) + padding,
        };
        return true;
    }

    /// <summary>Finds two consecutive valid frames, as in a stream captured mid-frame; -1 if none.</summary>
    public static int FindFramePair(ReadOnlySpan<byte> data)
    {
        for (int i = 0; i + 4 <= data.Length; i++)
        {
            if (TryParse(data[i..], out int length) && length > 0 && i + length + 4 <= data.Length
                && TryParse(data[(i + length)..], out _))
            {
                return i;
            }
        }

        return -1;
    }
}
