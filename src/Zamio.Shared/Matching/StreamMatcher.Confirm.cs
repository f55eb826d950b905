using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Matching;

// Checks of an airing's first match on the peaks after it.
public sealed partial class StreamMatcher
{
    // An airing's first window is checked again on the peaks after it at the alignment it found: no hashing, so no
    // lookahead to wait for, and those peaks are new evidence. The check is scored against the track's decoys too. It
    // takes the peaks that are final 2 s after the window's end, where the window's own decision needs peaks up to
    // 1.8 s: live, both come with the same 2 s packet, so the check no longer waits for the next one.
    // (A property: a static field here would be initialised before PeakDelayFrames, in another file of the class.)
    private static int ConfirmFrames => FingerprintSettings.SecondsToFrame(2) - PeakDelayFrames;
    private const double ConfirmMinZ = 4.0;
    private const int ConfirmMinMatched = 5;

    // A check that falls short with some evidence for the match is run again with each further second of peaks, twice at
    // most: in a room or under noise a second or two of a song holds few landmarks (16 peaks, 4 of them confirming, at a
    // song's start in `fresh3` `p12-room`), so the check failed for want of peaks, not for evidence against, and the song
    // waited for its next window, 4 s later. Every peak checked still comes after the match's own window, and the bar stays
    // the same.
    private const double RetryMinZ = 1.0;
    private const int MaxRetries = 2;
    private static readonly int RetryFrames = FingerprintSettings.SecondsToFrame(1);

    // Due checks in the order of their ends: an early decision's check can fall due before or after a regular one's.
    private readonly List<PendingCheck> _checks = [];

    private readonly record struct PendingCheck(long From, long End, TrackMatch Match, int Retries = 0);

    private void ScheduleCheck(long from, long end, TrackMatch match, int retries = 0)
    {
        var at = _checks.Count;
        while (at > 0 && _checks[at - 1].End > end)
        {
            at--;
        }

        _checks.Insert(at, new PendingCheck(from, end, match, retries));
    }

    // Runs the first due checks (those on the same peaks); a match its peaks bear out goes to the caller as confirmed.
    private void Confirm(Action<WindowResult> onWindow)
    {
        var (from, end) = (_checks[0].From, _checks[0].End);
        var all = CollectionsMarshal.AsSpan(_peaks);
        var chunk = all[Peak.FirstAtOrAfter(all, from)..Peak.FirstAtOrAfter(all, end)];
        List<TrackMatch>? confirmed = null;
        while (_checks.Count > 0 && _checks[0].From == from && _checks[0].End == end)
        {
            var (_, _, match, retries) = _checks[0];
            _checks.RemoveAt(0);
            var check = _matcher.CheckAgainstDecoys(chunk, match.TrackIndex, match.Alignment);
            if (check.Matched >= ConfirmMinMatched && check.Z >= ConfirmMinZ)
            {
                // The window's confidence stays the airing's; the score and extent are the new peaks'.
                (confirmed ??= []).Add(match with
                {
                    Score = check.Z, MatchedPeaks = check.Matched, ComparedPeaks = check.Compared,
                    FirstMatchFrame = check.FirstMatchFrame, LastMatchFrame = check.LastMatchFrame,
                });
                // Its other checks waiting to run again have nothing left to show.
                _checks.RemoveAll(c => c.Retries > 0 && c.Match.TrackIndex == match.TrackIndex);
            }
            else if (check.Z >= RetryMinZ && retries < MaxRetries)
            {
                ScheduleCheck(from, end + RetryFrames, match, retries + 1);
            }
        }

        if (confirmed is not null)
        {
            onWindow(new WindowResult(from, end, confirmed) { Confirms = true });
        }
    }
}
