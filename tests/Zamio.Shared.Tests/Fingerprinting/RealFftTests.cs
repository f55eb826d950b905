using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Tests.Fingerprinting;

public class RealFftTests
{
    [Theory]
    [InlineData(8, 1)]
    [InlineData(64, 2)]
    [InlineData(1024, 3)]
    public void Power_RandomInput_MatchesNaiveDft(int size, int seed)
    {
        var rng = new Random(seed);
        var input = new float[size];
        for (var i = 0; i < size; i++)
        {
            input[i] = (float)(2 * rng.NextDouble() - 1);
        }

        var power = new float[size / 2 - 1];
        new RealFft(size).Power(input, 1, power);

        var expected = NaivePower(input);
        var mean = expected.Skip(1).Take(power.Length).Average();
        for (var n = 0; n < power.Length; n++)
        {
            var reference = expected[n + 1];
            // Relative to the bin, with a floor for bins that are near zero by chance.
            var tolerance = 1e-3 * Math.Max(reference, 1e-3 * mean);
            Assert.True(Math.Abs(power[n] - reference) <= tolerance, $"bin {n + 1}: {power[n]} vs {reference}");
        }
    }

    [Fact]
    public void Power_BinRangeFromOffset_MatchesSameBinsOfFullRange()
    {
        var input = new float[1024];
        var rng = new Random(7);
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)rng.NextDouble();
        }

        var fft = new RealFft(1024);
        var full = new float[511];
        fft.Power(input, 1, full);
        var part = new float[FrameAnalyzer.BinCount];
        fft.Power(input, FrameAnalyzer.MinBin, part);

        Assert.Equal(full.AsSpan(FrameAnalyzer.MinBin - 1, FrameAnalyzer.BinCount).ToArray(), part);
    }

    [Fact]
    public void Power_CosineOnBin_ConcentratesPowerInThatBin()
    {
        const int size = 256;
        const int bin = 37;
        var input = new float[size];
        for (var i = 0; i < size; i++)
        {
            input[i] = (float)Math.Cos(2 * Math.PI * bin * i / size);
        }

        var power = new float[size / 2 - 1];
        new RealFft(size).Power(input, 1, power);

        // |X[k]| = N/2 for a unit cosine on bin k; every other bin is (numerically) zero.
        Assert.Equal(size * size / 4.0, power[bin - 1], size * size / 4.0 * 1e-4);
        for (var n = 0; n < power.Length; n++)
        {
            if (n != bin - 1)
            {
                Assert.True(power[n] < 1e-3, $"bin {n + 1} has {power[n]}");
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(1000)]
    [InlineData(1023)]
    [InlineData(-1024)]
    public void Constructor_NotPowerOfTwoAtLeastFour_Throws(int size)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealFft(size));
    }

    [Fact]
    public void Power_WrongInputLength_Throws()
    {
        var fft = new RealFft(64);
        Assert.Throws<ArgumentException>(() => fft.Power(new float[63], 1, new float[4]));
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(1, 32)]
    [InlineData(30, 4)]
    public void Power_BinsOutsideOneToHalf_Throws(int firstBin, int count)
    {
        var fft = new RealFft(64);
        Assert.Throws<ArgumentOutOfRangeException>(() => fft.Power(new float[64], firstBin, new float[count]));
    }

    private static double[] NaivePower(float[] input)
    {
        var n = input.Length;
        var power = new double[n / 2];
        for (var k = 0; k < n / 2; k++)
        {
            double re = 0, im = 0;
            for (var t = 0; t < n; t++)
            {
                var angle = 2 * Math.PI * k * t / n;
                re += input[t] * Math.Cos(angle);
                im -= input[t] * Math.Sin(angle);
            }

            power[k] = re * re + im * im;
        }

        return power;
    }
}
