using Microsoft.Extensions.Logging;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Status;

/// <summary>
/// The packets central refused of this station since the agent started, as central reports them (per instance, on
/// <c>status/central</c>) and as the HTTP fallback is answered: a total and the latest refusal for the status, and a
/// log line when more are refused (the same reason at most every 10 minutes per instance, a new reason at once).
/// Thread-safe; updated by the report loop and the delivery loop, never inside an MQTT callback.
/// </summary>
public sealed partial class CentralRejections(TimeProvider time, ILogger<CentralRejections> logger)
{
    /// <summary>The instance name refusals of the HTTP fallback are counted under.</summary>
    public const string HttpFallbackInstance = "http-fallback";

    /// <summary>How often one instance's refusals for one reason are logged at most.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(10);

    // External brokers' instances get a new id each start unless configured: the oldest is forgotten past this many.
    private const int MaxInstances = 16;

    private const int MaxInstanceLength = 100;

    // Reason codes are a small fixed set; this only guards against a central sending arbitrary ones.
    private const int MaxReasonsPerInstance = 32;

    private readonly Lock _gate = new();
    private readonly long _started = time.GetTimestamp();
    private readonly Dictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _firstRefusal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _refused;
    private long _sent;
    private PacketRejection? _last;

    /// <summary>
    /// Packets central refused or dropped over the station's rate limits since the agent started (reported rises over all
    /// instances, and HTTP refusals).
    /// </summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The latest refusal, naming its instance; null while there is none.</summary>
    public PacketRejection? LastRejection => Volatile.Read(ref _last);

    /// <summary>Completes at the first refusal counted.</summary>
    public Task FirstRefusal => _firstRefusal.Task;

    /// <summary>
    /// Takes one instance's report. Its totals count since that instance started, so what is new is the rise over the
    /// last report from it. The first report heard from an instance counts its total only if its latest refusal came
    /// after this agent started (central's clock on both sides, so the agent's own clock does not matter): older
    /// refusals belong to an earlier run.
    /// </summary>
    public void Report(CentralReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_gate)
        {
            var instance = Find(report.Instance);
            CountDrops(report, instance);
            long more;
            if (instance.Reported is { } previous)
            {
                more = Rise(previous, report.Rejected);
            }
            else
            {
                // Its total may also hold an earlier run's refusals: no more than this run sent can be this run's.
                more = report.LastRejection is { } latest && report.At - latest.At <= time.GetElapsedTime(_started)
                    ? Math.Min(report.Rejected, Interlocked.Read(ref _sent))
                    : 0;
            }

            instance.Reported = report.Rejected;
            if (more > 0)
            {
                var why = report.LastRejection is { } last
                    ? PacketRejection.Create(last.Reason, last.Detail, last.At)
                    : new PacketRejection("unknown", "central did not say why", report.At);
                Count(report.Instance, instance, more, why);
            }
        }
    }

    // Packets dropped over the station's rate limits are as lost as refused ones. Drop totals carry no time, so a first
    // report's may hold an earlier run's: they are only the base that later rises are counted from.
    private void CountDrops(CentralReport report, Instance instance)
    {
        var first = instance.Reported is null;
        foreach (var (reason, total) in report.Drops ?? NoDrops)
        {
            if (!instance.Drops.TryGetValue(reason, out var previous) && instance.Drops.Count >= MaxReasonsPerInstance)
            {
                continue;
            }

            instance.Drops[reason] = total;
            var more = first ? 0 : Rise(previous, total);
            if (more > 0)
            {
                Count(report.Instance, instance, more, PacketRejection.Create(reason, DropReasons.Describe(reason), report.At));
            }
        }
    }

    private static readonly Dictionary<string, long> NoDrops = [];

    // An instance's totals count since it started; a lower total means it restarted and counts from zero again.
    private static long Rise(long previous, long total) => total >= previous ? total - previous : total;

    /// <summary>Counts one packet handed to MQTT or the HTTP fallback: central can refuse no more of this run's.</summary>
    public void Sent() => Interlocked.Increment(ref _sent);

    /// <summary>Counts one packet refused outright (an HTTP fallback answer).</summary>
    public void Refuse(string instance, PacketRejection rejection)
    {
        ArgumentNullException.ThrowIfNull(rejection);
        lock (_gate)
        {
            Count(instance, Find(instance), 1, rejection);
        }
    }

    private void Count(string name, Instance instance, long more, PacketRejection rejection)
    {
        Interlocked.Add(ref _refused, more);

        // Instance ids are free-form (an external broker's client id); the status keeps a bounded size.
        Volatile.Write(ref _last, rejection with { Instance = WireText.Shorten(name, MaxInstanceLength) });
        instance.Unlogged += more;
        var now = time.GetTimestamp();
        if (!instance.LoggedAt.TryGetValue(rejection.Reason, out var logged) || time.GetElapsedTime(logged, now) >= LogInterval)
        {
            if (instance.LoggedAt.Count >= MaxReasonsPerInstance)
            {
                instance.LoggedAt.Clear();
            }

            instance.LoggedAt[rejection.Reason] = now;
            if (rejection.Reason == RejectReasons.AlgorithmVersion)
            {
                LogAlgorithmMismatch(logger, name, instance.Unlogged, rejection.Detail, FingerprintSettings.AlgorithmVersion);
            }
            else
            {
                LogRefused(logger, name, instance.Unlogged, rejection.Reason, rejection.Detail);
            }

            instance.Unlogged = 0;
        }

        _firstRefusal.TrySetResult();
    }

    private Instance Find(string name)
    {
        var now = time.GetTimestamp();
        if (!_instances.TryGetValue(name, out var instance))
        {
            if (_instances.Count >= MaxInstances)
            {
                _instances.Remove(_instances.MinBy(i => i.Value.Seen).Key);
            }

            _instances[name] = instance = new Instance();
        }

        instance.Seen = now;
        return instance;
    }

    private sealed class Instance
    {
        /// <summary>The rejected total of this instance's last report; null for the HTTP fallback and before a report.</summary>
        public long? Reported { get; set; }

        /// <summary>Refusals counted since the last log line for this instance.</summary>
        public long Unlogged { get; set; }

        public long Seen { get; set; }

        public Dictionary<string, long> LoggedAt { get; } = new(StringComparer.Ordinal);

        /// <summary>Drop totals by reason of this instance's last report.</summary>
        public Dictionary<string, long> Drops { get; } = new(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Central {Instance} refused {Count} more packet(s) of this station: {Reason} ({Detail}); they were delivered but will not be matched (more for this reason are logged at most every 10 minutes)")]
    private static partial void LogRefused(ILogger logger, string instance, long count, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Central {Instance} refused {Count} more packet(s) of this station: algorithm_version ({Detail}). This agent fingerprints with algorithm version {Version}, central with another: upgrade the agent or central so both run the same version; until then nothing this station sends is matched")]
    private static partial void LogAlgorithmMismatch(ILogger logger, string instance, long count, string detail, int version);
}
