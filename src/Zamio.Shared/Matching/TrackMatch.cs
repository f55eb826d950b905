namespace Zamio.Shared.Matching;

/// <summary>
/// A verified match of a query (clip or stream window) against one catalogue track.
/// </summary>
/// <param name="TrackIndex">Index into the index's track list.</param>
/// <param name="TrackId">Catalogue id.</param>
/// <param name="Confidence">Calibrated probability-like score in [0, 1].</param>
/// <param name="Score">Verification excess over chance, in standard deviations (what confidence is calibrated from).</param>
/// <param name="Alignment">Query-to-track time map, with the estimated speed.</param>
/// <param name="MatchedPeaks">Query peaks confirmed by a catalogue peak at the aligned place.</param>
/// <param name="ComparedPeaks">Query peaks that fell inside the track's extent.</param>
/// <param name="FirstMatchFrame">Query frame of the earliest confirmed peak.</param>
/// <param name="LastMatchFrame">Query frame of the latest confirmed peak.</param>
public sealed record TrackMatch(
    int TrackIndex,
    string TrackId,
    double Confidence,
    double Score,
    Alignment Alignment,
    int MatchedPeaks,
    int ComparedPeaks,
    long FirstMatchFrame,
    long LastMatchFrame)
{
    public double Speed => Alignment.TimeScale;

    /// <summary>Track frame of the track's last peak (where its audio ends); 0 when not known.</summary>
    public int TrackEndFrame { get; init; }

    /// <summary>
    /// For a match at another place in the track than the stream last heard it (in the previous window, or within the last
    /// minute): whether that earlier alignment explains this match's evidence as well. True: a loop-based song read at
    /// another pass of its loop. False: the song heard again elsewhere in it (aired again). Null: not heard lately, or heard
    /// at this place.
    /// </summary>
    public bool? EarlierAlignmentExplains { get; init; }

    /// <summary>A loop-based song read at another pass of its loop (see <see cref="EarlierAlignmentExplains"/>).</summary>
    public bool LoopPass => EarlierAlignmentExplains == true;
}
