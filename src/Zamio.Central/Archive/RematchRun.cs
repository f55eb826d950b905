using System.Diagnostics;
using Zamio.Central.Storage;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Central.Archive;

/// <summary>What one rematch read and how long it took.</summary>
public sealed record RematchSummary(int Stations, long Packets, double Hours, int Files, long Unreadable, long SkippedBytes, long Duplicates, double Seconds);

/// <summary>
/// One rematch, as the <c>rematch</c> verb and <c>POST /api/v1/rematches</c> run it: the archived packets of
/// [<see cref="From"/>, <see cref="To"/>) of the stations given, matched again against <see cref="Index"/> (for
/// <see cref="Tracks"/> only, when given), the plays found marked against the stored ones and, with
/// <see cref="Write"/>, the new ones stored, closed, under keys of their own (a second run finds them already stored).
/// </summary>
public sealed record RematchRun(
    IReadOnlyList<string> Roots,
    DateTimeOffset From,
    DateTimeOffset To,
    FingerprintIndex Index,
    IReadOnlySet<string>? Tracks,
    bool Write)
{
    /// <summary>At most this long a period at a time: a year of one station is about 11 GB of archive.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    /// <summary>The stations with archived packets in [from, to): <paramref name="station"/>, or every archived one.</summary>
    public static IReadOnlyList<ArchiveReader> Readers(IReadOnlyList<string> roots, string? station, DateTimeOffset from, DateTimeOffset to) =>
        [.. (station is null ? ArchiveFiles.Stations(roots) : [station]).Select(id => new ArchiveReader(roots, id)).Where(r => !r.IsEmpty(from, to))];

    /// <summary>
    /// Matches the readers' stations on <paramref name="threads"/> threads of their own (stations are independent streams;
    /// a matcher keeps scratch buffers, so each thread has its own), then compares and writes. In the
    /// <paramref name="background"/> the threads run at the lowest priority, behind live ingest.
    /// </summary>
    public async Task<(List<RematchFinding> Findings, RematchSummary Summary)> ExecuteAsync(
        IReadOnlyList<ArchiveReader> readers, IPlayStore? store, int threads, bool background, Action<string> stationDone, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var narrow = Tracks is null ? null : Rematcher.NarrowIndex(Index, Tracks);
        long frames = 0;
        var next = -1;
        var found = new List<RematchedPlay>[readers.Count];
        void MatchStations()
        {
            var full = new Matcher(Index);
            var named = narrow is null ? null : new Matcher(narrow);
            for (int i; !cancellationToken.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < readers.Count;)
            {
                // Stopping mid-station (central shutting down) ends its packets early; what was found then is discarded below.
                var packets = readers[i].Read(From, To)
                    .TakeWhile(_ => !cancellationToken.IsCancellationRequested)
                    .Select(p => { Interlocked.Add(ref frames, p.FrameCount); return p; });
                found[i] = named is null
                    ? Rematcher.Match(packets, full)
                    : Rematcher.MatchNamed(packets, new ArchiveReader(Roots, readers[i].Station).Read, named, full, Tracks!);
                stationDone(readers[i].Station);
            }
        }

        await MatchingThreads.RunAsync(Math.Max(1, Math.Min(threads, readers.Count)), background, MatchStations).ConfigureAwait(false);

        cancellationToken.ThrowIfCancellationRequested();
        var findings = readers.Zip(found).SelectMany(r => RematchFinding.Compare(r.First.Station, r.Second, store)).ToList();
        if (Write && store is not null)
        {
            var rows = findings.Where(f => f.Stored == "new").Select(f => f.ToRecord()).ToList();
            await store.UpsertAsync(rows, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            findings = [.. findings.Select(f => f.Stored == "new" ? f with { Stored = "written" } : f)];
        }

        var stats = readers.Select(r => r.Stats).ToList();
        var summary = new RematchSummary(
            readers.Count, stats.Sum(s => s.Packets), FingerprintSettings.FrameToSeconds(frames) / 3600, stats.Sum(s => s.Files),
            stats.Sum(s => s.Unreadable), stats.Sum(s => s.SkippedBytes), stats.Sum(s => s.Duplicates), clock.Elapsed.TotalSeconds);
        return (findings, summary);
    }
}
