using Zamio.Shared.Audio;

namespace Zamio.Shared.Tests.Audio;

public class MonoMixerTests
{
    [Fact]
    public void Read_Stereo_AveragesChannels()
    {
        float[] interleaved = [0.2f, 0.4f, -1f, 1f, 0.9f, 0.9f];
        using var mixer = new MonoMixer(new InterleavedArraySource(2, interleaved, int.MaxValue));

        Assert.Equal([0.3f, 0f, 0.9f], TestAudio.ReadAll(mixer), new ToleranceComparer(1e-6f));
    }

    [Fact]
    public void Read_SourceSplitsFrames_KeepsChannelsAligned()
    {
        float[] interleaved = Enumerable.Range(0, 300).Select(i => i % 3 == 0 ? 0.3f : 0f).ToArray();
        using var mixer = new MonoMixer(new InterleavedArraySource(3, interleaved, maxPerRead: 7));

        float[] mono = TestAudio.ReadAll(mixer);

        Assert.Equal(100, mono.Length);
        Assert.All(mono, sample => Assert.Equal(0.1f, sample, 6));
    }

    [Fact]
    public void Read_OutOfRangeFloat_Clamps()
    {
        using var mixer = new MonoMixer(new InterleavedArraySource(1, [1.5f, -3f], int.MaxValue));

        Assert.Equal([1f, -1f], TestAudio.ReadAll(mixer));
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
