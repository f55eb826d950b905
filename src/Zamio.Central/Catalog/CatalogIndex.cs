using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;
using Zamio.Shared.Matching;

namespace Zamio.Central.Catalog;

/// <summary>The fingerprint index held hot in process, loaded once at start from the embedded catalogue.</summary>
public sealed partial class CatalogIndex(IOptions<ServeOptions> options, ILogger<CatalogIndex> logger)
{
    private readonly ThreadLocal<Matcher?> _matchers = new();
    private FingerprintIndex? _index;

    public bool IsLoaded => Volatile.Read(ref _index) is not null;

    public FingerprintIndex Index => Volatile.Read(ref _index) ?? throw new InvalidOperationException("The index is not loaded yet.");

    public void Load()
    {
        var started = TimeProvider.System.GetTimestamp();
        using var store = SqliteCatalogStore.Open(options.Value.DataDirectory);
        var index = store.LoadIndex(out var stale);
        if (stale > 0)
        {
            LogStale(logger, stale, FingerprintSettings.AlgorithmVersion);
        }

        Volatile.Write(ref _index, index);
        LogLoaded(logger, index.Tracks.Count, index.TotalSeconds / 3600, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>A matcher for the calling thread (matchers are not thread-safe).</summary>
    public Matcher MatcherForThisThread()
    {
        var index = Index;
        var matcher = _matchers.Value;
        if (matcher is null || !ReferenceEquals(matcher.Index, index))
        {
            matcher = new Matcher(index);
            _matchers.Value = matcher;
        }

        return matcher;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Index loaded: {Tracks} tracks, {Hours:F1} h in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, int tracks, double hours, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Stale} catalogue track(s) use another algorithm version than {Version}; re-add them")]
    private static partial void LogStale(ILogger logger, int stale, int version);
}
