using Zamio.Central.Catalog;
using Zamio.Central.Hosting;
using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Cli;

/// <summary>
/// What the verbs that read plays (<c>report</c>, <c>plays</c>) read: a <see cref="SharedDeployment"/>'s plays and
/// catalogue, or the embedded files under <c>--data-dir</c>.
/// </summary>
internal sealed class PlayReading : IDisposable
{
    private readonly SharedDeployment? _shared;

    private PlayReading(SharedDeployment? shared, IPlayStore store, IReadOnlyList<CatalogTrack> tracks)
    {
        _shared = shared;
        Store = store;
        Metadata = tracks.ToDictionary(t => t.Id, t => t.Metadata, StringComparer.Ordinal);
    }

    public IPlayStore Store { get; }

    /// <summary>The catalogue's current title, artist and ISRC by track id.</summary>
    public IReadOnlyDictionary<string, TrackMetadata> Metadata { get; }

    public static PlayReading Open(CliArguments cli, IConfiguration? configuration)
    {
        var shared = SharedDeployment.Open(configuration, cli);
        if (shared is not null)
        {
            var tracks = shared.Services.GetRequiredService<CatalogManager>().ListAsync(CancellationToken.None).GetAwaiter().GetResult();
            return new PlayReading(shared, shared.Services.GetRequiredService<IPlayStore>(), tracks);
        }

        if (!File.Exists(Path.Combine(cli.DataDirectory, CentralDatabase.FileName)))
        {
            throw new FileNotFoundException($"no plays database in '{cli.DataDirectory}' (a serve there creates it)");
        }

        using var catalog = SqliteCatalogStore.Open(cli.DataDirectory);
        return new PlayReading(null, new SqlitePlayStore(CentralDatabase.Open(cli.DataDirectory)), catalog.List());
    }

    /// <summary>The value of <paramref name="option"/> as a time, null when it is not given.</summary>
    public static DateTimeOffset? Time(CliArguments cli, string option)
    {
        if (cli.Option(option) is not { } text)
        {
            return null;
        }

        return IsoTime.TryParseOptional(text, out var time)
            ? time
            : throw new CliUsageException($"{option} must be an ISO 8601 timestamp (got '{text}')");
    }

    public void Dispose() => _shared?.Dispose();
}
