using Microsoft.Extensions.Options;
using Zamio.Agent.Sources;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Configuration;

/// <summary>One message per bad value, naming the command-line switch an operator would fix.</summary>
public sealed class AgentOptionsValidator(TimeProvider? time = null) : IValidateOptions<AgentOptions>
{
    // Central refuses a stream that starts further ahead of its clock than this; the whole run would be lost.
    private static readonly TimeSpan MaxStartAhead = TimeSpan.FromMinutes(10);

    /// <summary>A packet may span at most <see cref="FingerprintPacket.MaxFrameCount"/> frames.</summary>
    public static readonly double MaxPacketSeconds = Math.Floor(FingerprintPacket.MaxFrameCount / FingerprintSettings.FramesPerSecond / 2);

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (!StationIds.IsValid(options.StationId))
        {
            errors.Add($"--station: '{options.StationId}' is not a station id (1..{StationIds.MaxLength} characters from A-Z a-z 0-9 _ . -)");
        }

        if (string.IsNullOrWhiteSpace(options.Key))
        {
            errors.Add("--key: the station key is required");
        }

        if (!SourceSpec.TryParse(options.Source, out var source, out var sourceError))
        {
            errors.Add($"--source: {sourceError}");
        }
        else if (source.Kind == SourceKind.File && !File.Exists(source.Target) && !Directory.Exists(source.Target))
        {
            errors.Add($"--source: file or folder '{source.Target}' does not exist");
        }
        else if (source.Kind == SourceKind.Wasapi && !OperatingSystem.IsWindows())
        {
            errors.Add("--source: " + WasapiAudioSource.NotWindows);
        }

        if (!BrokerAddress.TryParse(options.Broker, out _, out var brokerError))
        {
            errors.Add($"--broker: {brokerError}");
        }

        if (!string.IsNullOrEmpty(options.HttpFallback)
            && (!Uri.TryCreate(options.HttpFallback, UriKind.Absolute, out var fallback) || fallback.Scheme is not ("http" or "https")))
        {
            errors.Add($"--http-fallback: '{options.HttpFallback}' is not an http(s) URL");
        }

        if (options.Pace is not { } pace
            || !(pace.Equals("realtime", StringComparison.OrdinalIgnoreCase) || pace.Equals("fast", StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"--pace: '{options.Pace}' is not realtime or fast");
        }

        var start = DateTimeOffset.MinValue;
        if (!string.IsNullOrEmpty(options.StartTime) && !AgentOptions.TryParseStartTime(options.StartTime, out start))
        {
            errors.Add($"--start-time: '{options.StartTime}' is not an ISO 8601 time such as 2025-01-31T06:00:00Z");
        }
        else if (start > (time ?? TimeProvider.System).GetUtcNow() + MaxStartAhead)
        {
            errors.Add($"--start-time: {options.StartTime} is more than {MaxStartAhead.TotalMinutes:0} minutes in the future; central refuses audio from the future");
        }

        if (double.IsNaN(options.PacketSeconds) || options.PacketSeconds < 0.25 || options.PacketSeconds > MaxPacketSeconds)
        {
            errors.Add($"--packet-seconds: {options.PacketSeconds} is outside 0.25..{MaxPacketSeconds}");
        }

        Positive(errors, "Agent:DeadAirSeconds", options.DeadAirSeconds);
        Positive(errors, "Agent:StatusIntervalSeconds", options.StatusIntervalSeconds);
        Positive(errors, "Agent:MaxBackoffSeconds", options.MaxBackoffSeconds);
        if (options.PublishWindow is < 1 or > 1000)
        {
            errors.Add($"Agent:PublishWindow: {options.PublishWindow} is outside 1..1000");
        }

        if (options.SilenceThresholdDbfs is >= 0 or < -120 || double.IsNaN(options.SilenceThresholdDbfs))
        {
            errors.Add($"Agent:SilenceThresholdDbfs: {options.SilenceThresholdDbfs} is outside -120..0");
        }

        if (double.IsNaN(options.CentralReportWaitSeconds) || options.CentralReportWaitSeconds < 0 || options.CentralReportWaitSeconds > 600)
        {
            errors.Add($"--report-wait: {options.CentralReportWaitSeconds} is outside 0..600 seconds");
        }

        if (options.HttpFallbackAfterSeconds < 0)
        {
            errors.Add($"Agent:HttpFallbackAfterSeconds: {options.HttpFallbackAfterSeconds} is negative");
        }

        if (options.SpoolMaxMegabytes < 16)
        {
            errors.Add($"Agent:SpoolMaxMegabytes: {options.SpoolMaxMegabytes} is below the 16 MB minimum");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    // A day bounds every period and delay: beyond it a value is a typo, and timers overflow well past it.
    private static void Positive(List<string> errors, string key, double value)
    {
        if (!(value > 0) || value > MaxSeconds)
        {
            errors.Add($"{key}: {value} must be positive and at most {MaxSeconds} (a day)");
        }
    }

    private const double MaxSeconds = 86_400;
}
