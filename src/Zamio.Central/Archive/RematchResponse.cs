namespace Zamio.Central.Archive;

/// <summary>A rematch job as the API shows it, and as it is stored; <see cref="Plays"/> once it is done.</summary>
public sealed record RematchResponse(
    string Id,
    string Status,
    string? Station,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<string>? Tracks,
    bool Write,
    int Stations,
    int StationsDone,
    DateTimeOffset Queued,
    DateTimeOffset? Ended,
    string? Error,
    RematchSummary? Summary,
    IReadOnlyList<RematchFinding>? Plays)
{
    public static RematchResponse Of(RematchJob job)
    {
        var ended = job.Ended;
        return new(
            job.Id, job.Status.ToString().ToLowerInvariant(), job.Station, job.Run.From, job.Run.To, job.Run.Tracks?.Order(StringComparer.Ordinal).ToList(),
            job.Run.Write, job.Readers.Count, job.StationsDone, job.Queued, ended?.At, ended?.Error, ended?.Summary, ended is { Error: null } ? ended.Findings : null);
    }
}
