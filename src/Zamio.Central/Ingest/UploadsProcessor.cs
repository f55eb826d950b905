using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Zamio.Central.Catalog;
using Zamio.Central.Metrics;
using Zamio.Central.Plays;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Matching;

namespace Zamio.Central.Ingest;

/// <summary>What the mobile upload endpoint answers (and stores for a repeated <c>chunk_id</c>).</summary>
public sealed record UploadResult(
    [property: JsonPropertyName("chunk_id")] string ChunkId,
    [property: JsonPropertyName("station_id")] string StationId,
    [property: JsonPropertyName("track")] string? Track,
    [property: JsonPropertyName("confidence")] double Confidence,
    [property: JsonPropertyName("offset")] double? Offset,
    [property: JsonPropertyName("speed")] double? Speed,
    [property: JsonPropertyName("status")] string Status);

/// <summary>A clip that passed the HTTP checks: where it is on disk and what the app said about it.</summary>
public sealed record UploadedClip(
    string StationId,
    string ChunkId,
    DateTimeOffset StartedAt,
    double? DurationSeconds,
    string? Metadata,
    string FilePath);

/// <summary>
/// Matches an uploaded clip and turns a match into a play.
/// <para>
/// Play times: the clip covers [started_at, started_at + clip length] on the station's timeline (the decoded
/// length; the app's <c>duration_seconds</c> only when the audio has none). The match says which track time plays
/// at the clip's first sample (<c>offset</c>) and at what speed, so the airing is estimated as
/// [started_at − offset/speed, that + track length/speed]. The play recorded is the part of the airing the
/// clips actually heard: the intersection of the two. Consecutive chunks of one airing (same station, same
/// track, estimated airing start within <see cref="SameAiringTolerance"/>) extend one play instead of adding
/// one per chunk; the play key is <c>{station}/upload/{airing start in Unix ms}</c>, so replays are idempotent.
/// Upload plays are written closed: each clip is a finished observation.
/// </para>
/// </summary>
public sealed class UploadsProcessor(
    CatalogIndex catalog, PlayStore plays, UploadsStore uploads, CentralMetrics metrics, TimeProvider time, Microsoft.Extensions.Options.IOptions<Hosting.ServeOptions> options)
{
    public static readonly TimeSpan SameAiringTolerance = TimeSpan.FromSeconds(3);

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    private static readonly TimeSpan RecentPlays = TimeSpan.FromHours(1);

    private readonly Lock _playMerge = new();

    /// <summary>Upload plays written lately, by station: the play writer may still be buffering them.</summary>
    private readonly Dictionary<string, List<PlayRecord>> _recent = new(StringComparer.Ordinal);

    /// <summary>The stored answer for an earlier upload of the same chunk, if any.</summary>
    public string? Stored(string stationId, string chunkId) => uploads.Find(stationId, chunkId)?.ResultJson;

    /// <summary>Decodes, matches, records the play and stores the answer; returns the stored JSON.</summary>
    /// <exception cref="Zamio.Shared.Audio.AudioFormatException">The clip does not decode.</exception>
    /// <exception cref="ClipTooLongException">The clip holds more audio than a clip may.</exception>
    public string Process(UploadedClip clip)
    {
        var audio = Fingerprinter.FromFile(clip.FilePath, options.Value.MaxClipSeconds);
        TrackMatch? match;
        using (metrics.Time("upload"))
        {
            match = ClipMatch.Best(catalog.MatcherForThisThread(), audio.Peaks);
        }

        var index = catalog.Index;
        string? playKey = null;
        UploadResult result;
        if (match is null)
        {
            result = new UploadResult(clip.ChunkId, clip.StationId, null, 0, null, null, "no_match");
            metrics.Upload("no_match");
        }
        else
        {
            var offset = match.Alignment.TrackFrame(0) / FingerprintSettings.FramesPerSecond;
            var speed = match.Speed;
            var clipSeconds = audio.DurationSeconds > 0 ? audio.DurationSeconds : clip.DurationSeconds ?? 0;
            var trackSeconds = FingerprintSettings.FrameToSeconds(index.Tracks[match.TrackIndex].Peaks.FrameCount);
            playKey = RecordPlay(clip, match, offset, speed, clipSeconds, trackSeconds);
            var figures = ClipFigures.Of(match);
            result = new UploadResult(clip.ChunkId, clip.StationId, match.TrackId, figures.Confidence, figures.Offset, figures.Speed, "matched");
            metrics.Upload("matched");
        }

        var json = JsonSerializer.Serialize(result, Json);
        return uploads.Save(new UploadRow(
            clip.StationId,
            clip.ChunkId,
            Utc(clip.StartedAt),
            clip.DurationSeconds,
            clip.Metadata,
            result.Track,
            playKey,
            json,
            Utc(time.GetUtcNow()))).ResultJson;
    }

    private string RecordPlay(UploadedClip clip, TrackMatch match, double offset, double speed, double clipSeconds, double trackSeconds)
    {
        var scale = speed > 0 ? speed : 1;
        var airingStart = clip.StartedAt.AddSeconds(-offset / scale);
        var airingEnd = airingStart.AddSeconds(trackSeconds / scale);
        var clipEnd = clip.StartedAt.AddSeconds(clipSeconds);
        var start = Max(clip.StartedAt, airingStart);
        var end = Min(clipEnd, airingEnd);
        if (end < start)
        {
            end = start;
        }

        var prefix = clip.StationId + "/upload/";
        lock (_playMerge)
        {
            if (!_recent.TryGetValue(clip.StationId, out var recent))
            {
                recent = [];
                _recent[clip.StationId] = recent;
            }

            recent.RemoveAll(p => p.End < time.GetUtcNow() - RecentPlays && p.End < clip.StartedAt - RecentPlays);
            bool SameAiring(PlayRecord p) => p.Track == match.TrackId
                    && p.PlayKey.StartsWith(prefix, StringComparison.Ordinal)
                    && long.TryParse(p.PlayKey.AsSpan(prefix.Length), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                    && Math.Abs(ms - airingStart.ToUnixTimeMilliseconds()) <= SameAiringTolerance.TotalMilliseconds;
            var existing = recent.FirstOrDefault(SameAiring)
                ?? plays.Query(clip.StationId, airingStart - SameAiringTolerance, airingEnd + SameAiringTolerance, 1000).FirstOrDefault(SameAiring);
            var play = existing is null
                ? new PlayRecord(clip.StationId, prefix + airingStart.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), match.TrackId,
                    start, end, Math.Round(match.Confidence, 3), Math.Round(speed, 4), "closed")
                : existing with
                {
                    Start = Min(existing.Start, start),
                    End = Max(existing.End, end),
                    Confidence = Math.Max(existing.Confidence, Math.Round(match.Confidence, 3)),
                    Status = "closed",
                };
            recent.RemoveAll(p => p.PlayKey == play.PlayKey);
            recent.Add(play);
            plays.Upsert([play]);
            metrics.PlaysWritten("closed", 1);
            return play.PlayKey;
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string Utc(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
