using Zamio.Shared.Fingerprinting;

namespace Zamio.Central.Cli;

/// <summary>
/// <c>--speed-search on|off</c>: off matches at the recorded speed only, about 17 times less lookup work, for
/// sources known never to be sped up (and as the baseline the accuracy benchmark compares against).
/// </summary>
internal static class SpeedSearchOption
{
    public const string Name = "--speed-search";

    public static readonly IReadOnlySet<string> Options = new HashSet<string> { Name };

    public static IReadOnlyList<SpeedHypothesis> Grid(CliArguments cli) => cli.Option(Name) switch
    {
        null or "on" => SpeedHypothesis.DefaultGrid,
        "off" => [SpeedHypothesis.Identity],
        var other => throw new CliUsageException($"{Name} must be 'on' or 'off', not '{other}'"),
    };
}
