using System.Runtime.InteropServices;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Shared.Matching;

// Early decisions between songs: a window decided before its lookahead arrives.
public sealed partial class StreamMatcher
{
    // Between songs (no song of the last window explains the newest 2 s of peaks) a window is also decided as soon as its
    // own peaks are final, without the triplet lookahead (its last block voted with triplets cut at the window's end, not
    // kept): a new song clear enough for one window (z of a single-window play) is named about 2 s sooner. The regular
    // decision follows as before. The early vote searches every speed: the next song can be at another speed than the last
    // (songs sped up one by one), and searching only the last song's speeds left such starts 2-3 s later, the slowest clear
    // starts at 2,000 stations (it costs central 8 % of a core more there). The best vote peaks at the last song's speeds
    // are verified too: a song's first second or two, under the whole grid's chance peaks, can fall out of the best eight
    // (a start under a presenter then waited 1.6 s longer). A stream has no early decisions before it has
    // named a song: at 2,000 stations connecting at once, early votes for every new stream took central to 150-161 % of the
    // two cores against 139-145 % without them.
    private const double EarlyMinScore = 10;

    // A new song below that bar but well above acceptance opens its airing all the same, and is checked on the peaks of the
    // next second at its alignment, as a regular window's first match is on the next two: borne out, it is shown then, a
    // second after its window, where the regular decision of a window needs 1.8 s of lookahead and a check after that.
    // The play tracker counts no window for it, so what stands as a play still needs the regular windows.
    private const double EarlyCheckMinScore = 8;
    private static readonly int EarlyCheckFrames = FingerprintSettings.SecondsToFrame(1);

    // The play tracker's bar for an airing's first window (PlayTrackerOptions.MinPeakConfidence).
    private const double ShownConfidence = 0.97;

    // Between songs the early decision is also taken within the step, on the last step's block and the frames since (a 4 to
    // 8 s window; the last point is the step's end). Any frame of the step is a point, and of the points a packet completes
    // only the newest is decided (the step's end always): so a decision comes with each packet, on all of its peaks.
    // Points at each second of the step ended up to a second before the packet that brought them (packets of 31 frames
    // drift against the 4 s step of 125), and live a song was named 0.5 s later at the median for it.
    private int _framesConsidered;

    private long StepFrameEnd(int k) => _nextWindowEnd - StepFrames + k;

    private static readonly int GoesOnFrames = FingerprintSettings.SecondsToFrame(2);
    private const double GoesOnMinZ = 3.0;
    private const int GoesOnMinMatched = 3;
    private readonly BlockVotes _earlyBlock = new();
    private long _earlyBlockEnd;
    private readonly BlockVotes[] _earlyWindow = new BlockVotes[2];

    // A stream that has named a song, where no song of the last window still explains the newest 2 s of peaks (one check
    // at its alignment, no voting): between songs, or as one ends. Most clear starts follow another song without a gap.
    private bool NoSongGoesOn(ReadOnlySpan<Peak> all, long end)
    {
        if (_lastFocus.Length == 0)
        {
            return false;
        }

        var newest = all[Peak.FirstAtOrAfter(all, end - GoesOnFrames)..Peak.FirstAtOrAfter(all, end)];
        foreach (var match in _previous)
        {
            // An airing the last window found first, too weakly to show, is most often the new song itself: more of it is what
            // the early decisions are for (waiting for the next regular window showed such songs 2 s later).
            if (match.Confidence < ShownConfidence && _airings[match.TrackIndex].Windows == 1)
            {
                continue;
            }

            var check = _matcher.Check(newest, match.TrackIndex, match.Alignment);
            if (check.Matched >= GoesOnMinMatched && check.Z >= GoesOnMinZ)
            {
                return false;
            }
        }

        return true;
    }

    // Between songs only. The window runs from the kept block before the next window's last block to
    // <paramref name="end"/> (that window's end, or one of the seconds of its last step); its matches start plays only
    // (no start walk: the regular decision walks on an alignment fitted on the lookahead too).
    private void EarlyWindow(long end, Action<WindowResult> onWindow)
    {
        var lastBlockStart = _nextWindowEnd - StepFrames;
        var start = lastBlockStart - StepFrames;
        if (start - _epoch > EpochSpan || !NoSongGoesOn(CollectionsMarshal.AsSpan(_peaks), end))
        {
            return;
        }

        var all = CollectionsMarshal.AsSpan(_peaks);
        _earlyWindow[0] = Votes(all, start, lastBlockStart);
        var from = Peak.FirstAtOrAfter(all, lastBlockStart);
        var to = Peak.FirstAtOrAfter(all, end);
        // The step's early block grows second by second: only what the newest peaks complete is voted.
        if (_earlyBlock.IsFor(lastBlockStart, _epoch, _matcher.Index) && _earlyBlockEnd <= end)
        {
            _matcher.VoteAdded(all[from..to], to - from, Peak.FirstAtOrAfter(all, _earlyBlockEnd) - from, _epoch, _earlyBlock, []);
        }
        else
        {
            _matcher.VoteBlock(all[from..to], to - from, lastBlockStart, _epoch, _earlyBlock, []);
        }

        _earlyBlockEnd = end;
        _earlyWindow[1] = _earlyBlock;
        var matches = _matcher.MatchBlocks(all[Peak.FirstAtOrAfter(all, start)..to], _epoch, _earlyWindow, _lastFocus);
        List<TrackMatch>? early = null;
        foreach (var match in matches)
        {
            // A song that begins now sounds in the newest seconds; evidence that stops before them is audio the last song
            // explained, which a track sharing its ending (at another speed) can match too.
            if (match.Score < EarlyCheckMinScore || !Accepts(match, end) || match.LastMatchFrame < end - GoesOnFrames)
            {
                continue;
            }

            var marked = MarkEarlierAlignment(all, match);
            (early ??= []).Add(marked);
            if (match.Score < EarlyMinScore)
            {
                ScheduleCheck(end, end + EarlyCheckFrames, marked);
            }
        }

        if (early is not null)
        {
            onWindow(new WindowResult(Math.Max(0, start), end, early) { Early = true });
        }
    }
}
