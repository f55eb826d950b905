using Zamio.Shared.Audio;

namespace Zamio.Shared.Tests.Audio;

public class ResamplerTests
{
    private const int Target = 8000;

    [Theory]
    [InlineData(44100)]
    [InlineData(48000)]
    [InlineData(22050)]
    [InlineData(16000)]
    [InlineData(11025)]
    public void Read_1kHzTone_KeepsFrequencyAndAmplitude(int inputRate)
    {
        float[] output = Resample(new ToneSource(inputRate, 1000, 0.5), Target, 2);

        ReadOnlySpan<float> steady = output.AsSpan(Target / 2, Target); // skip the filter's start-up
        Assert.Equal(1000, TestAudio.DominantFrequency(steady, Target), 0);
        double gainDb = TestAudio.Decibels(TestAudio.ToneAmplitude(steady, Target, 1000) / 0.5);
        Assert.InRange(gainDb, -0.5, 0.5);
    }

    [Theory]
    [InlineData(44100, 5000)]
    [InlineData(44100, 4200)]
    [InlineData(48000, 7000)]
    [InlineData(44100, 15000)]
    public void Read_ToneAboveTargetNyquist_AttenuatedMoreThan40Db(int inputRate, double frequency)
    {
        float[] output = Resample(new ToneSource(inputRate, frequency, 0.5), Target, 2);

        double attenuationDb = TestAudio.Decibels(TestAudio.Rms(output.AsSpan(Target / 2, Target)) / (0.5 / Math.Sqrt(2)));
        Assert.True(attenuationDb < -40, $"{frequency} Hz only attenuated by {-attenuationDb:F1} dB");
    }

    [Fact]
    public void Read_Upsampling8kTo44k1_KeepsTone()
    {
        float[] output = Resample(new ToneSource(8000, 1000, 0.5), 44100, 1);

        ReadOnlySpan<float> steady = output.AsSpan(4410, 22050);
        Assert.Equal(1000, TestAudio.DominantFrequency(steady, 44100), 0);
        Assert.InRange(TestAudio.Decibels(TestAudio.ToneAmplitude(steady, 44100, 1000) / 0.5), -0.5, 0.5);
    }

    [Theory]
    [InlineData(44100, 44100, 8000)]
    [InlineData(48000, 12345, 2058)]
    [InlineData(8000, 1000, 5513)]
    public void Read_FiniteInput_OutputLengthFollowsRateRatio(int inputRate, int inputLength, int expected)
    {
        var source = new ArraySource(inputRate, TestAudio.Sine(inputRate, 440, 1, 0.5)[..inputLength]);
        int outputRate = inputRate == 8000 ? 44100 : Target;

        using var resampler = new Resampler(source, outputRate);

        Assert.Equal(expected, TestAudio.ReadAll(resampler).Length);
        Assert.Equal(0, resampler.Read(new float[16]));
    }

    [Fact]
    public void Read_TinyReadsAndUnevenSource_SameOutputAsLargeReads()
    {
        float[] input = TestAudio.Sine(44100, 1234, 0.5, 0.7);
        using var large = new Resampler(new ArraySource(44100, input), Target);
        using var small = new Resampler(new ArraySource(44100, input, maxPerRead: 333), Target);

        float[] expected = TestAudio.ReadAll(large);
        var actual = new List<float>();
        var buffer = new float[7];
        int read;
        while ((read = small.Read(buffer)) > 0)
        {
            actual.AddRange(buffer.AsSpan(0, read));
        }

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Read_SteadyState_AllocatesNothing()
    {
        using var resampler = new Resampler(new ToneSource(44100, 1000, 0.5), Target);
        var buffer = new float[1024];
        for (int i = 0; i < 20; i++)
        {
            resampler.Read(buffer); // warm up
        }

        var allocated = Allocations.LeastOf(3, () =>
        {
            for (int i = 0; i < 200; i++)
            {
                resampler.Read(buffer);
            }
        });

        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-8000)]
    public void Constructor_NonPositiveTargetRate_Throws(int rate)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(new ToneSource(44100, 1000, 0.5), rate));
    }

    [Fact]
    public void Constructor_NonPositiveSourceRate_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Resampler(new ToneSource(0, 1000, 0.5), Target));
    }

    private static float[] Resample(ISampleSource source, int rate, double seconds)
    {
        using var resampler = new Resampler(source, rate);
        var output = new float[(int)(rate * seconds)];
        int filled = 0;
        while (filled < output.Length)
        {
            filled += resampler.Read(output.AsSpan(filled));
        }

        return output;
    }
}
