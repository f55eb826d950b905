namespace Zamio.Shared.Fingerprinting;

/// <summary>Fixed analysis parameters. Changing any of them changes <see cref="AlgorithmVersion"/>.</summary>
public static class FingerprintSettings
{
    /// <summary>Bumped whenever peaks or hashes change meaning; stored catalogues must be re-fingerprinted.</summary>
    public const int AlgorithmVersion = 1;

    public const int SampleRate = 8000;
    public const int FftSize = 1024;
    public const int HopSize = 256;

    public const double FramesPerSecond = (double)SampleRate / HopSize;

    public static double FrameToSeconds(double frame) => frame / FramesPerSecond;

    /// <summary>Time of a frame's window centre, which is where its peaks sit on the audio timeline.</summary>
    public static double FrameCentreSeconds(double frame) => (frame * HopSize + FftSize / 2.0) / SampleRate;

    public static int SecondsToFrame(double seconds) => (int)Math.Round(seconds * FramesPerSecond);
}
