using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;

namespace Zamio.Central.Catalog;

/// <summary>
/// What every clip answer (the identify verb, <c>POST /api/v1/identify</c>, the mobile upload) reports of a match,
/// rounded once for output: confidence to 3 places, the track time at the clip's first sample to 2, speed to 4.
/// </summary>
public readonly record struct ClipFigures(double Confidence, double Offset, double Speed)
{
    public static ClipFigures Of(TrackMatch match) => new(
        Round(match.Confidence, 3),
        // The alignment maps clip frames to track frames.
        Round(match.Alignment.TrackFrame(0) / FingerprintSettings.FramesPerSecond, 2),
        Round(match.Speed, 4));

    /// <summary>Rounded for output; adding zero turns a negative zero (a tiny negative offset rounded) into "0".</summary>
    public static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero) + 0.0;
}
