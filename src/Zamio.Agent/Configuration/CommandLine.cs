namespace Zamio.Agent.Configuration;

/// <summary>
/// Strict parser for the agent's switches. The stock command-line provider accepts any key silently, so a typo
/// like <c>--staton</c> would be ignored; here it is an error.
/// </summary>
public static class CommandLine
{
    public const string DevicesVerb = "devices";

    private static readonly Dictionary<string, string> Switches = new(StringComparer.Ordinal)
    {
        ["--station"] = nameof(AgentOptions.StationId),
        ["--key"] = nameof(AgentOptions.Key),
        ["--source"] = nameof(AgentOptions.Source),
        ["--broker"] = nameof(AgentOptions.Broker),
        ["--http-fallback"] = nameof(AgentOptions.HttpFallback),
        ["--spool-dir"] = nameof(AgentOptions.SpoolDir),
        ["--pace"] = nameof(AgentOptions.Pace),
        ["--start-time"] = nameof(AgentOptions.StartTime),
        ["--packet-seconds"] = nameof(AgentOptions.PacketSeconds),
        ["--report-wait"] = nameof(AgentOptions.CentralReportWaitSeconds),
    };

    public static string Usage =>
        "usage: zamio-agent --station ID --key SECRET --source SOURCE --broker mqtt://HOST:PORT "
        + "[--http-fallback URL] [--spool-dir DIR] [--pace realtime|fast] [--start-time ISO8601] [--packet-seconds 2] [--report-wait 15]\n"
        + "       zamio-agent devices\n"
        + "SOURCE: file:PATH | http(s)://URL | alsa:DEVICE | wasapi:DEVICE (Windows) | cmd:\"COMMAND writing s16le mono 8 kHz\"";

    /// <summary>Maps switches to configuration keys (<c>Agent:StationId</c> ...); returns errors for unknown or valueless switches.</summary>
    public static IReadOnlyList<string> Parse(IReadOnlyList<string> args, IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(values);
        var errors = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string name;
            string? value;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && arg.StartsWith("--", StringComparison.Ordinal))
            {
                name = arg[..eq];
                value = arg[(eq + 1)..];
            }
            else
            {
                name = arg;
                value = i + 1 < args.Count && !Switches.ContainsKey(args[i + 1]) ? args[++i] : null;
            }

            if (!Switches.TryGetValue(name, out var key))
            {
                errors.Add($"{name}: unknown option");
                continue;
            }

            if (string.IsNullOrEmpty(value))
            {
                errors.Add($"{name}: a value is required");
                continue;
            }

            values[AgentOptions.SectionName + ":" + key] = value;
        }

        return errors;
    }
}
