using System.ComponentModel.DataAnnotations;

namespace Zamio.Central.Ingest;

/// <summary>
/// An external MQTT broker (Mosquitto, EMQX, HiveMQ): section <c>Central:Mqtt</c>. When <see cref="Host"/> is set,
/// central starts no embedded broker and subscribes to <c>$share/zamio-central/zamio/v1/stations/+/fp</c> instead.
/// </summary>
public sealed class ExternalBrokerOptions
{
    public const string Section = "Central:Mqtt";

    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>User central logs in as (the shipped Mosquitto ACL grants <c>zamio-central</c>).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    public bool UseTls { get; set; }

    /// <summary>MQTT client id; a fixed one keeps a persistent session across restarts. Default: host name and a random suffix.</summary>
    [StringLength(128)]
    public string? ClientId { get; set; }

    /// <summary>Upper bound of the reconnect backoff.</summary>
    [Range(1, 300)]
    public int MaxReconnectDelaySeconds { get; set; } = 30;

    /// <summary>How often rejection counts are published on stations' <c>status/central</c> topics.</summary>
    [Range(1, 3600)]
    public int StatusIntervalSeconds { get; set; } = 10;

    /// <summary>How long an owner waits for a missing sequence (a packet routed through another instance) before moving on.</summary>
    [Range(0, 10_000)]
    public int ReorderWindowMilliseconds { get; set; } = 1000;

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}
