using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Plays;

public sealed record PlayTrackerOptions
{
    public static PlayTrackerOptions Default { get; } = new();

    /// <summary>Evidence gaps up to this long (talk-over, a loud jingle) stay inside one play.</summary>
    public int GapBridgeFrames { get; init; } = FingerprintSettings.SecondsToFrame(20);

    /// <summary>
    /// A play closed for want of evidence reopens when its track is found again within this long, not from its top and
    /// with no other song in between (noise hid the song, it did not stop).
    /// </summary>
    public int ResumeFrames { get; init; } = FingerprintSettings.SecondsToFrame(60);

    /// <summary>How far two detections' track positions may disagree and still be the same airing.</summary>
    public int AlignmentToleranceFrames { get; init; } = FingerprintSettings.SecondsToFrame(3);

    /// <summary>Windows of evidence before a play is reported; one window alone could be a lucky match.</summary>
    public int MinWindows { get; init; } = 2;

    /// <summary>
    /// A single window this far above chance (verification z) is no lucky match: it confirms a short play whose
    /// intro was talked over, leaving one clear window.
    /// </summary>
    public double SingleWindowScore { get; init; } = 10;

    /// <summary>
    /// Two catalogue entries built from the same recording match the same airing. A play overlapped this
    /// long (and over <see cref="ShadowFraction"/> of its span) by a play with stronger evidence is its shadow.
    /// Crossfades overlap less than this.
    /// </summary>
    public int ShadowOverlapFrames { get; init; } = FingerprintSettings.SecondsToFrame(10);

    public double ShadowFraction { get; init; } = 0.6;

    /// <summary>
    /// A play needs one window at least this confident; later windows may continue it with less. A false play
    /// is a wrong payment, so starting takes stronger evidence than carrying on through a talk-over.
    /// </summary>
    public double MinPeakConfidence { get; init; } = 0.97;

    /// <summary>Shortest evidence span reported as a play.</summary>
    public int MinDurationFrames { get; init; } = FingerprintSettings.SecondsToFrame(1.5);
}
