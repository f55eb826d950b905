using System.Diagnostics;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

public class FingerprintPacketFuzzTests
{
    private const int Iterations = 100_000;

    [Fact]
    public void Decode_RandomMutations_OnlyWirePacketExceptionAndCanonicalOnSuccess()
    {
        var random = new Random(20260101);
        byte[][] seeds =
        [
            PacketSamples.Realistic(seed: 11).ToArray(),
            PacketSamples.Realistic(seed: 12, seconds: 0.5, startFrame: 0).ToArray(),
            new FingerprintPacket("a", 0, 0, 0, 1, [], FingerprintPacketFlags.Silence).ToArray(),
            new FingerprintPacket("b", 9, 5, 7, 4096, [new Peak(7, 65535), new Peak(4102, 0)]).ToArray(),
        ];

        var accepted = 0;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var input = Mutate(random, seeds[random.Next(seeds.Length)]);

            // TryDecode must not throw at all; Decode only WirePacketException.
            var ok = FingerprintPacket.TryDecode(input, out var packet, out var error);
            try
            {
                var decoded = FingerprintPacket.Decode(input);
                Assert.True(ok);
                Assert.Equal(packet!.ToArray(), decoded.ToArray());
            }
            catch (WirePacketException ex)
            {
                Assert.False(ok);
                Assert.Equal(ex.Message, error);
            }

            if (ok)
            {
                // Anything accepted has exactly one encoding: re-encoding reproduces the input.
                accepted++;
                Assert.Equal(input, packet!.ToArray());
            }
        }

        stopwatch.Stop();
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        Assert.InRange(accepted, 1, Iterations - 1); // both paths were exercised
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(7))
        {
            case 0: // bit flips, CRC left stale
                FlipBits(random, bytes);
                return bytes;
            case 1: // bit flips, CRC re-sealed: reaches the field checks
                FlipBits(random, bytes);
                return PacketSamples.WithFixedCrc(bytes);
            case 2: // byte overwrite, re-sealed
                bytes[random.Next(bytes.Length - 4)] = (byte)random.Next(256);
                return PacketSamples.WithFixedCrc(bytes);
            case 3: // truncation, sometimes re-sealed
                bytes = bytes[..random.Next(bytes.Length)];
                return random.Next(2) == 0 ? bytes : PacketSamples.WithFixedCrc(bytes);
            case 4: // insertion of random bytes, re-sealed
                {
                    var at = random.Next(bytes.Length);
                    var extra = new byte[random.Next(1, 8)];
                    random.NextBytes(extra);
                    return PacketSamples.WithFixedCrc([.. bytes[..at], .. extra, .. bytes[at..]]);
                }

            case 5: // deletion of a range, re-sealed
                {
                    var at = random.Next(bytes.Length);
                    var count = random.Next(1, Math.Min(8, bytes.Length - at) + 1);
                    return PacketSamples.WithFixedCrc([.. bytes[..at], .. bytes[(at + count)..]]);
                }

            default: // random buffer, sometimes with a plausible prefix and valid CRC
                {
                    var junk = new byte[random.Next(0, 400)];
                    random.NextBytes(junk);
                    if (junk.Length >= 8 && random.Next(2) == 0)
                    {
                        junk[0] = (byte)'Z';
                        junk[1] = (byte)'F';
                        junk[2] = FingerprintPacket.CurrentFormatVersion;
                        junk[6] = (byte)random.Next(1, 20);
                        PacketSamples.WithFixedCrc(junk);
                    }

                    return junk;
                }
        }
    }

    private static void FlipBits(Random random, byte[] bytes)
    {
        var flips = random.Next(1, 4);
        for (var f = 0; f < flips; f++)
        {
            bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
        }
    }
}
