namespace Zamio.Agent.Sources;

/// <summary>Interleaved sample layout of a sound card buffer: 16/24/32-bit integer PCM or 32-bit float.</summary>
public readonly record struct PcmFormat(int BitsPerSample, bool IsFloat, int Channels)
{
    public int BlockAlign => BitsPerSample / 8 * Channels;

    public bool IsSupported => Channels > 0 && (IsFloat ? BitsPerSample == 32 : BitsPerSample is 16 or 24 or 32);

    /// <summary>Mixes whole frames of <paramref name="bytes"/> to mono floats in [-1, 1]; returns the frames written.</summary>
    public int ToMono(ReadOnlySpan<byte> bytes, Span<float> output)
    {
        var frames = Math.Min(bytes.Length / BlockAlign, output.Length);
        var bytesPerSample = BitsPerSample / 8;
        var scale = 1f / Channels;
        for (var f = 0; f < frames; f++)
        {
            var sum = 0f;
            for (var c = 0; c < Channels; c++)
            {
                sum += Sample(bytes.Slice((f * BlockAlign) + (c * bytesPerSample), bytesPerSample));
            }

            output[f] = Math.Clamp(sum * scale, -1f, 1f);
        }

        return frames;
    }

    private float Sample(ReadOnlySpan<byte> b) => (BitsPerSample, IsFloat) switch
    {
        (32, true) => BitConverter.ToSingle(b),
        (16, false) => (short)(b[0] | (b[1] << 8)) / 32768f,
        (24, false) => ((b[0] << 8) | (b[1] << 16) | (b[2] << 24)) / 2147483648f,
        (32, false) => BitConverter.ToInt32(b) / 2147483648f,
        _ => throw new NotSupportedException($"{BitsPerSample}-bit {(IsFloat ? "float" : "PCM")} samples"),
    };
}
