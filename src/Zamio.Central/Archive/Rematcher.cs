using System.Collections.Immutable;
using Zamio.Central.Plays;
using Zamio.Shared.Fingerprinting;
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
    private static readonly long MicrosPerFrame = 1_000_000L * FingerprintSettings.HopSize / FingerprintSettings.SampleRate;

    /// <param name="packets">In stream, then sequence order (as <see cref="ArchiveReader"/> gives them).</param>
    public static List<RematchedPlay> Match(IEnumerable<FingerprintPacket> packets, Matcher matcher)
    {
        var plays = new List<RematchedPlay>();
        Session? session = null;
        foreach (var packet in packets)
        {
            if (session is null || session.StreamStart != packet.StreamStartUnixMicros)
            {
                session?.Complete(plays);
                session = new Session(packet, matcher);
            }

            session.Append(packet);
        }

        session?.Complete(plays);
        plays.Sort((a, b) => a.Start.CompareTo(b.Start));
        return plays;
    }

    private sealed class Session(FingerprintPacket first, Matcher matcher)
    {
        private readonly StreamMatcher _stream = new(matcher);
        private readonly PlayTracker _tracker = new();
        private readonly PlayCollector _collector = new();
        private long _framesSeen = -1;

        public long StreamStart { get; } = first.StreamStartUnixMicros;

        public void Append(FingerprintPacket packet)
        {
            var start = packet.StartFrame - first.StartFrame;
            if (start < _framesSeen)
            {
                return; // overlaps what was matched: the archive holds one stream's packets once, so this is damage
            }

            if (_framesSeen >= 0 && start > _framesSeen && (packet.Flags & FingerprintPacketFlags.GapBefore) != 0)
            {
                _tracker.MissingAudio(_framesSeen, start);
            }

            _framesSeen = start + packet.FrameCount;
            if (packet.CarriesSupport)
            {
                _stream.Append(Rebased(packet.Peaks), Rebased(packet.Support), _framesSeen, Observe);
            }
            else
            {
                _stream.Append(Rebased(packet.Peaks), _framesSeen, Observe);
            }
        }

        public void Complete(List<RematchedPlay> plays)
        {
            _stream.Complete(_framesSeen, Observe);
            foreach (var play in _tracker.Complete())
            {
                _collector.Keep(play, _framesSeen);
            }

            plays.AddRange(_collector.Closed.Select(p => new RematchedPlay(p.TrackId, At(p.StartFrame), At(p.EndFrame), Math.Round(p.Confidence, 3), Math.Round(p.Speed, 4))));
        }

        private void Observe(WindowResult window)
        {
            foreach (var play in _tracker.Observe(window))
            {
                _collector.Keep(play, window.DecidedAtFrame);
            }
        }

        private Peak[] Rebased(ImmutableArray<Peak> peaks) => Ingest.IngestWorker.Rebased(peaks, first.StartFrame);

        private DateTimeOffset At(long frame) => first.CaptureStart.AddTicks(frame * MicrosPerFrame * 10);
    }
}
