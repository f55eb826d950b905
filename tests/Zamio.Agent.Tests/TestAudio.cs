using System.Buffers.Binary;

namespace Zamio.Agent.Tests;

/// <summary>Deterministic test audio: chords of sines with seeded notes, written as 16-bit mono WAV.</summary>
internal static class TestAudio
{
    public static void WriteChordWav(string path, double seconds, int sampleRate = 8000, int seed = 7)
    {
        var random = new Random(seed);
        var count = (int)(seconds * sampleRate);
        var samples = new short[count];
        var chordSamples = sampleRate / 2;
        double[] freqs = [];
        for (var i = 0; i < count; i++)
        {
            if (i % chordSamples == 0)
            {
                freqs = [.. Enumerable.Range(0, 3).Select(_ => 220 * Math.Pow(2, random.Next(0, 36) / 12.0))];
            }

            double v = 0;
            foreach (var f in freqs)
            {
                v += Math.Sin(2 * Math.PI * f * i / sampleRate);
            }

            samples[i] = (short)(v / freqs.Length * 0.5 * short.MaxValue);
        }

        using var file = File.Create(path);
        Span<byte> header = stackalloc byte[44];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], 36 + (count * 2));
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteInt16LittleEndian(header[22..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(header[28..], sampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(header[32..], 2);
        BinaryPrimitives.WriteInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteInt32LittleEndian(header[40..], count * 2);
        file.Write(header);
        var bytes = new byte[count * 2];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), samples[i]);
        }

        file.Write(bytes);
    }
}
