using System.Diagnostics;
using Xunit.Abstractions;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Shared.Tests.Wire;

// Runs alone so the process CPU time it measures is its own. CPU time, unlike wall time, does not depend on
// what else the machine is doing.
[CollectionDefinition(nameof(FingerprintPacketFuzzTests), DisableParallelization = true)]
public sealed class SerialFuzzCollection;

[Collection(nameof(FingerprintPacketFuzzTests))]
public class FingerprintPacketFuzzTests(ITestOutputHelper output)
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
            PacketSamples.Realistic(seed: 13, withSupport: true).ToArray(),
            PacketSamples.Realistic(seed: 14, seconds: 0.5, startFrame: 0, withSupport: true).ToArray(),
            new FingerprintPacket("c", 1, 1, 3, 300, [], support: [new Peak(3, 0), new Peak(3, 65520), new Peak(302, 16)]).ToArray(),
            PacketSamples.ToFormat1(PacketSamples.Realistic(seed: 15)),
        ];

        var accepted = 0;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < Iterations; i++)
        {
            var input = Mutate(random, seeds[random.Next(seeds.Length)]);

            // TryDecode must not throw at all; Decode only WirePacketException. Plain checks instead of
            // Assert calls keep the loop cheap.
            var ok = FingerprintPacket.TryDecode(input, out var packet, out var error);
            try
            {
                var decoded = FingerprintPacket.Decode(input);
                if (!ok || decoded.GetEncodedSize() != packet!.GetEncodedSize())
                {
                    Assert.Fail($"Decode accepted what TryDecode rejected ({error}) at iteration {i}.");
                }
            }
            catch (WirePacketException ex) when (!ok)
            {
                if (ex.Message != error)
                {
                    Assert.Fail($"Decode and TryDecode disagree at iteration {i}: '{ex.Message}' vs '{error}'.");
                }
            }

            // Anything accepted has exactly one encoding: re-encoding reproduces the input, a format 1 input as format 2.
            if (ok)
            {
                accepted++;
                var canonical = input[2] == 1 ? PacketSamples.UpgradeFormat1(input) : input;
                if (!canonical.AsSpan().SequenceEqual(packet!.ToArray()))
                {
                    Assert.Fail($"Accepted input is not canonical at iteration {i}: {Convert.ToHexString(input)}");
                }
            }
        }

        stopwatch.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        output.WriteLine($"{Iterations} mutations: {accepted} accepted, CPU {cpu.TotalSeconds:F2} s, wall {stopwatch.Elapsed.TotalSeconds:F2} s");
        Assert.True(cpu < TimeSpan.FromSeconds(5), $"CPU time {cpu}");
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
                        junk[2] = (byte)random.Next(1, FingerprintPacket.CurrentFormatVersion + 1);
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
