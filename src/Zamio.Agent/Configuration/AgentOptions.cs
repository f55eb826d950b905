using System.Globalization;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Configuration;

/// <summary>
/// Everything the agent is told from outside, bound from the "Agent" section (appsettings.json, <c>Agent__X</c>
/// environment variables, command line). Values that can be malformed stay strings so the validator can name the
/// bad value instead of the binder throwing.
/// </summary>
public sealed class AgentOptions
{
    public const string SectionName = "Agent";

    public string StationId { get; set; } = string.Empty;

    /// <summary>The station's broker password and HTTP token.</summary>
    public string Key { get; set; } = string.Empty;

    /// <summary><c>file:PATH</c>, <c>http(s)://...</c>, <c>alsa:DEVICE</c>, <c>wasapi:DEVICE</c> or <c>cmd:COMMAND</c>.</summary>
    public string Source { get; set; } = string.Empty;

    /// <summary><c>mqtt://host:port</c> or <c>mqtts://host:port</c>.</summary>
    public string Broker { get; set; } = string.Empty;

    public string? HttpFallback { get; set; }

    /// <summary>How long MQTT must have failed before packets go over HTTP instead.</summary>
    public int HttpFallbackAfterSeconds { get; set; } = 300;

    /// <summary>Spool folder; defaults to systemd's $STATE_DIRECTORY, else ./spool (Windows: %ProgramData%\zamio-agent\spool).</summary>
    public string? SpoolDir { get; set; }

    /// <summary>512 MB holds weeks of packets at a few hundred bytes a second.</summary>
    public int SpoolMaxMegabytes { get; set; } = 512;

    public string Pace { get; set; } = "realtime";

    /// <summary>Audio-clock time of the first sample of a file source (the recording's known start); default now.</summary>
    public string? StartTime { get; set; }

    /// <summary>Longest audio span of one packet (see <see cref="FingerprintPacket.DefaultSeconds"/>).</summary>
    public double PacketSeconds { get; set; } = FingerprintPacket.DefaultSeconds;

    public double DeadAirSeconds { get; set; } = 30;

    public double SilenceThresholdDbfs { get; set; } = -50;

    public double StatusIntervalSeconds { get; set; } = 30;

    /// <summary>Longest backoff between reconnect attempts (broker and audio source).</summary>
    // Short enough that a station is back within seconds of its broker or central returning after a long outage.
    public double MaxBackoffSeconds { get; set; } = 15;

    /// <summary>QoS 1 publishes in flight at once (confirmed in order); 1 waits for each PUBACK.</summary>
    public int PublishWindow { get; set; } = 32;

    /// <summary>
    /// How long after its first packet was delivered a finite (file) run, once everything is delivered over MQTT, may
    /// wait for central to report refusals before it exits; 0 exits at once. Central reports every 10 s by default
    /// (<c>Zamio:StatusIntervalSeconds</c>) after matching what it received; the margin covers that matching.
    /// </summary>
    public double CentralReportWaitSeconds { get; set; } = 15;

    public Pace ParsedPace => string.Equals(Pace, "fast", StringComparison.OrdinalIgnoreCase)
        ? Configuration.Pace.Fast
        : Configuration.Pace.Realtime;

    public DateTimeOffset? ParsedStartTime => TryParseStartTime(StartTime, out var time) ? time : null;

    public BrokerAddress ParsedBroker => BrokerAddress.TryParse(Broker, out var address, out _)
        ? address
        : throw new InvalidOperationException($"Broker address '{Broker}' is not valid.");

    public string ResolveSpoolDir()
    {
        if (!string.IsNullOrWhiteSpace(SpoolDir))
        {
            return Path.GetFullPath(SpoolDir);
        }

        var state = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        if (!string.IsNullOrEmpty(state))
        {
            return Path.GetFullPath(state.Split(':')[0]); // systemd lists several directories separated by ':'
        }

        // A Windows service starts in System32, so "./spool" would land there; ProgramData is the machine-wide place.
        return OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "zamio-agent", "spool")
            : Path.GetFullPath("spool");
    }

    internal static bool TryParseStartTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(
            text,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out time);
}
