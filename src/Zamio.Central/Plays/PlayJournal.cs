using System.Text.Json;

namespace Zamio.Central.Plays;

/// <summary>
/// Plays the play writer could not store yet (the database away), kept in a file under the data directory while they
/// wait and when central stops, and queued again at the next start, so a restart or a crash during a database outage
/// loses none of what the file held. Writes are idempotent (each play is keyed), so a play stored twice is stored once.
/// </summary>
public sealed partial class PlayJournal(string directory, ILogger<PlayJournal> logger) : IDisposable
{
    public const string FileName = "plays-unwritten.jsonl";

    private FileStream? _claim;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    /// <summary>
    /// Takes the journal for this process, for as long as it runs (the operating system lets go if it dies). False when
    /// another running serve holds it, sharing this data directory: its file is not this one's to replace or read.
    /// </summary>
    public bool Claim()
    {
        try
        {
            Directory.CreateDirectory(directory);
            _claim ??= new FileStream(Path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException ex)
        {
            LogHeldElsewhere(logger, ex, directory);
            return false;
        }
    }

    public void Dispose()
    {
        _claim?.Dispose();
        _claim = null;
    }

    /// <summary>Replaces the journal with <paramref name="plays"/>: every play not yet stored, oldest update first.</summary>
    public void Save(IReadOnlyCollection<PlayRecord> plays)
    {
        if (plays.Count == 0)
        {
            Forget();
            return;
        }

        // Written aside and moved over, so a stop cut short leaves the previous journal whole, not half of a new one.
        Directory.CreateDirectory(directory);
        var temp = Path + ".tmp";
        using (var writer = new StreamWriter(temp))
        {
            foreach (var play in plays)
            {
                writer.WriteLine(JsonSerializer.Serialize(play, Json));
            }
        }

        File.Move(temp, Path, overwrite: true);
        LogSaved(logger, plays.Count, Path);
    }

    /// <summary>The plays a previous run left unwritten; a damaged line is skipped and said once.</summary>
    public IReadOnlyList<PlayRecord> Load()
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        var plays = new List<PlayRecord>();
        var damaged = 0;
        foreach (var line in File.ReadLines(Path))
        {
            try
            {
                if (JsonSerializer.Deserialize<PlayRecord>(line, Json) is { Station: not null, PlayKey: not null, Track: not null, Status: not null } play)
                {
                    plays.Add(play);
                    continue;
                }
            }
            catch (JsonException)
            {
            }

            damaged++;
        }

        if (damaged > 0)
        {
            LogDamaged(logger, damaged, Path);
        }

        LogLoaded(logger, plays.Count, Path);
        return plays;
    }

    /// <summary>Deletes the journal once what it held is stored.</summary>
    public void Forget()
    {
        if (File.Exists(Path))
        {
            File.Delete(Path);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} play(s) not written to the database kept in {Path}; they are written after the next start")]
    private static partial void LogSaved(ILogger logger, int count, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} play(s) left unwritten by the last run queued again from {Path}")]
    private static partial void LogLoaded(ILogger logger, int count, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Another running serve keeps its unwritten plays in {Directory}: this one keeps them in memory only; give each instance its own --data-dir")]
    private static partial void LogHeldElsewhere(ILogger logger, Exception exception, string directory);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} damaged line(s) in {Path} skipped")]
    private static partial void LogDamaged(ILogger logger, int count, string path);
}
