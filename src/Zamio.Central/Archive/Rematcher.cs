using Zamio.Central.Ingest;
using Zamio.Central.Plays;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;
using Zamio.Shared.Wire;

namespace Zamio.Central.Archive;

/// <summary>One play found in archived packets, on the station's audio clock.</summary>
public sealed record RematchedPlay(string Track, DateTimeOffset Start, DateTimeOffset End, double Confidence, double Speed);

/// <summary>
/// Matches a station's archived packets again, against today's catalogue, with the streaming matcher and play tracker
/// live ingest runs: each agent stream (its frames counted from its own start) as one session, so a play is found as
/// it would have been had the track been in the catalogue then.
/// </summary>
public static class Rematcher
{
    // A play one stream left and the next stream carries on within this (the agent restarted mid-song) is one airing, as
    // live ingest writes it (an orphan continued).
    private static readonly TimeSpan StreamBridge = TimeSpan.FromSeconds(30);

    /// <param name="packets">In stream, then sequence order (as <see cref="ArchiveReader"/> gives them).</param>
    public static List<RematchedPlay> Match(IEnumerable<FingerprintPacket> packets, Matcher matcher)
    {
        var plays = new List<(RematchedPlay Play, int Stream)>();
        Session? session = null;
        var streams = 0;
        foreach (var packet in packets)
        {
            if (session is null || session.StreamStart != packet.StreamStartUnixMicros)
            {
                session?.Complete(plays, streams++);
                session = new Session(packet, matcher);
            }

            session.Append(packet);
        }

        session?.Complete(plays, streams);
        var merged = new List<(RematchedPlay Play, int Stream)>();
        foreach (var (play, stream) in plays.OrderBy(p => p.Play.Start))
        {
            var before = merged.FindLastIndex(m => m.Play.Track == play.Track);
            if (before >= 0 && merged[before].Stream != stream && play.Start - merged[before].Play.End <= StreamBridge)
            {
                var earlier = merged[before].Play;
                merged[before] = (earlier with { End = play.End > earlier.End ? play.End : earlier.End, Confidence = Math.Max(earlier.Confidence, play.Confidence) }, stream);
            }
            else
            {
                merged.Add((play, stream));
            }
        }

        return [.. merged.Select(m => m.Play)];
    }

    // Before a candidate: the song before it (whose end limits how far its start walks back) and the matcher's first windows.
    private static readonly TimeSpan LeadIn = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan LeadOut = TimeSpan.FromSeconds(30);

    /// <summary>
    /// An index of the named tracks alone, for <see cref="MatchNamed"/>'s cheap first pass: it finds each of their airings,
    /// but also airings of another entry's recording they share, which only the whole catalogue tells apart.
    /// </summary>
    public static FingerprintIndex NarrowIndex(FingerprintIndex index, IReadOnlySet<string> tracks)
    {
        var builder = new IndexBuilder();
        foreach (var track in index.Tracks.Where(t => tracks.Contains(t.Id)))
        {
            builder.Add(track.Id, track.Peaks);
        }

        return builder.Build();
    }

    /// <summary>
    /// The plays of <paramref name="tracks"/> in two passes: <paramref name="packets"/> against the narrow index finds
    /// candidates, then the stretch around each (read again with <paramref name="read"/>) is matched against the whole
    /// catalogue, and its plays of those tracks that lie over a candidate are kept.
    /// </summary>
    public static List<RematchedPlay> MatchNamed(IEnumerable<FingerprintPacket> packets, Func<DateTimeOffset, DateTimeOffset, IEnumerable<FingerprintPacket>> read,
        Matcher narrow, Matcher full, IReadOnlySet<string> tracks)
    {
        var candidates = Match(packets, narrow);
        var regions = new List<(DateTimeOffset From, DateTimeOffset To)>();
        foreach (var candidate in candidates)
        {
            var (from, to) = (candidate.Start - LeadIn, candidate.End + LeadOut);
            if (regions.Count > 0 && from <= regions[^1].To)
            {
                regions[^1] = (regions[^1].From, to > regions[^1].To ? to : regions[^1].To);
            }
            else
            {
                regions.Add((from, to));
            }
        }

        return [.. regions.SelectMany(r => Match(read(r.From, r.To), full))
            .Where(p => tracks.Contains(p.Track) && candidates.Exists(c => c.Start < p.End && p.Start < c.End))];
    }

    private sealed class Session(FingerprintPacket first, Matcher matcher)
    {
        private readonly StreamMatcher _stream = new(matcher, WindowPhase.Of(first.StationId));
        private readonly PlayTracker _tracker = new();
        private readonly PlayCollector _collector = new();
        private long? _framesSeen;

        public long StreamStart { get; } = first.StreamStartUnixMicros;

        public void Append(FingerprintPacket packet)
        {
            if (packet.StartFrame - first.StartFrame < _framesSeen)
            {
                return; // overlaps what was matched: the archive holds one stream's packets once, so this is damage
            }

            _framesSeen = SessionFeed.Append(_stream, _tracker, packet, first.StartFrame, _framesSeen, Observe);
        }

        public void Complete(List<(RematchedPlay Play, int Stream)> plays, int stream)
        {
            var frames = _framesSeen ?? 0;
            _stream.Complete(frames, Observe);
            foreach (var play in _tracker.Complete())
            {
                _collector.Keep(play, frames);
            }

            plays.AddRange(_collector.Closed.Select(p => (new RematchedPlay(p.TrackId, At(p.StartFrame), At(p.EndFrame), Math.Round(p.Confidence, 3), Math.Round(p.Speed, 4)), stream)));
        }

        private void Observe(WindowResult window)
        {
            foreach (var play in _tracker.Observe(window))
            {
                _collector.Keep(play, window.DecidedAtFrame);
            }
        }

        private DateTimeOffset At(long frame) => first.TimeAfter(frame);
    }
}
