using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Zamio.Agent.Status;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests;

/// <summary>How the agent counts and logs the refusals central reports, on a fake clock.</summary>
public sealed class CentralRejectionsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly LogCapture _log = new();
    private readonly ILoggerFactory _loggers;
    private readonly CentralRejections _rejections;

    public CentralRejectionsTests()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(_log).SetMinimumLevel(LogLevel.Trace));
        _rejections = new CentralRejections(_time, _loggers.CreateLogger<CentralRejections>());
        for (var i = 0; i < 100; i++)
        {
            _rejections.Sent();
        }
    }

    public void Dispose() => _loggers.Dispose();

    [Fact]
    public void Report_FirstReportTotalAboveWhatThisRunSent_CountsNoMoreThanSent()
    {
        // 100 sent (constructor); central's total also holds an earlier run's refusals of this station.
        _time.Advance(TimeSpan.FromSeconds(30));
        _rejections.Report(Report("c1", 170, RejectReasons.UnknownStation, "not registered"));

        Assert.Equal(100, _rejections.Refused);
    }

    [Fact]
    public void Report_DropsOverRateLimitsRise_CountsTheRiseNotTheFirstReportsTotals()
    {
        CentralReport Dropping(long packets, long peaks) => new("c1", _time.GetUtcNow(), 100, 0, 0,
            new Dictionary<string, long> { [DropReasons.PacketsPerMinute] = packets, [DropReasons.PeaksPerSecond] = peaks });

        _rejections.Report(Dropping(5, 0)); // totals of an earlier run, perhaps: the base
        _time.Advance(TimeSpan.FromSeconds(10));
        _rejections.Report(Dropping(12, 2));

        Assert.Equal(9, _rejections.Refused);
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning
            && e.Message.Contains("refused 7 more packet(s)", StringComparison.Ordinal)
            && e.Message.Contains("rate-limit-packets (over the station's packets-per-minute limit at central)", StringComparison.Ordinal));
        Assert.True(_rejections.FirstRefusal.IsCompleted);
    }

    [Theory]
    [InlineData(DropReasons.PeaksPerSecond, "peaks-per-second")]
    [InlineData(DropReasons.SupportPeaksPerSecond, "support-peaks-per-second")]
    public void Report_DropsOverAPeakLimitRise_LoggedWithThatLimit(string reason, string limit)
    {
        _rejections.Report(new CentralReport("c1", _time.GetUtcNow(), 100, 0, 0, new Dictionary<string, long> { [reason] = 0 }));
        _rejections.Report(new CentralReport("c1", _time.GetUtcNow(), 100, 0, 0, new Dictionary<string, long> { [reason] = 4 }));

        Assert.Equal((4L, reason), (_rejections.Refused, _rejections.LastRejection!.Reason));
        Assert.Contains(_log.Entries, e => e.Level == LogLevel.Warning
            && e.Message.Contains($"{reason} (over the station's {limit} limit at central)", StringComparison.Ordinal));
    }

    [Fact]
    public void Report_RejectedCountRises_CountsTheRiseAndLogsInstanceCountReasonAndDetail()
    {
        _time.Advance(TimeSpan.FromSeconds(30));
        _rejections.Report(Report("embedded", 3, RejectReasons.UnknownStation, "station 'test-fm' is not registered at central"));
        _time.Advance(TimeSpan.FromSeconds(10));
        _rejections.Report(Report("embedded", 8, RejectReasons.UnknownStation, "station 'test-fm' is not registered at central"));

        Assert.Equal(8, _rejections.Refused);
        Assert.Equal(("embedded", RejectReasons.UnknownStation), (_rejections.LastRejection!.Instance, _rejections.LastRejection.Reason));
        Assert.True(_rejections.FirstRefusal.IsCompleted);
        var warning = Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("Central embedded refused 3 more packet(s)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("unknown_station (station 'test-fm' is not registered at central)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_SameReasonWithinTenMinutes_LoggedOnceThenWithEverythingSinceAfterTenMinutes()
    {
        _rejections.Report(Report("c1", 1, RejectReasons.ClockAhead, "ahead"));
        for (var i = 2; i <= 10; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(1));
            _rejections.Report(Report("c1", i, RejectReasons.ClockAhead, "ahead"));
        }

        Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);

        _time.Advance(TimeSpan.FromMinutes(1));
        _rejections.Report(Report("c1", 11, RejectReasons.ClockAhead, "ahead"));

        var warnings = _log.Entries.Where(e => e.Level == LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("refused 10 more packet(s)", warnings[1].Message, StringComparison.Ordinal);
        Assert.Equal(11, _rejections.Refused);
    }

    [Fact]
    public void Report_NewReasonOrAnotherInstance_LoggedAtOnce()
    {
        _rejections.Report(Report("c1", 1, RejectReasons.ClockAhead, "ahead"));
        _time.Advance(TimeSpan.FromSeconds(10));
        _rejections.Report(Report("c1", 2, RejectReasons.UnknownStation, "removed"));
        _rejections.Report(Report("c2", 4, RejectReasons.ClockAhead, "ahead"));

        var warnings = _log.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
        Assert.Equal(3, warnings.Count);
        Assert.Contains("Central c1 refused 1 more packet(s) of this station: unknown_station", warnings[1], StringComparison.Ordinal);
        Assert.Contains("Central c2 refused 4 more packet(s) of this station: clock_ahead", warnings[2], StringComparison.Ordinal);
        Assert.Equal(6, _rejections.Refused);
    }

    [Fact]
    public void Report_AlgorithmVersionMismatch_ErrorTellsToUpgrade()
    {
        _rejections.Report(Report("embedded", 2, RejectReasons.AlgorithmVersion, "algorithm version 1, central runs 2"));

        var error = Assert.Single(_log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("upgrade the agent or central", error.Message, StringComparison.Ordinal);
        Assert.Contains("algorithm version 1, central runs 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_FirstReportOfRefusalsFromBeforeTheAgentStarted_IsOnlyTheBaseline()
    {
        _time.Advance(TimeSpan.FromSeconds(5));

        // The instance's latest refusal came a minute before its report: before this agent started 5 s ago.
        _rejections.Report(Report("embedded", 40, RejectReasons.UnknownStation, "removed", lastAgo: TimeSpan.FromMinutes(1)));

        Assert.Equal(0, _rejections.Refused);
        Assert.Empty(_log.Entries);
        Assert.False(_rejections.FirstRefusal.IsCompleted);

        _rejections.Report(Report("embedded", 42, RejectReasons.UnknownStation, "removed"));
        Assert.Equal(2, _rejections.Refused);
    }

    [Fact]
    public void Report_InstanceRestartedAndCountsAgain_TakesItsNewTotalAsTheRise()
    {
        _rejections.Report(Report("embedded", 10, RejectReasons.IndexNotLoaded, "not loaded"));
        _rejections.Report(Report("embedded", 3, RejectReasons.IndexNotLoaded, "not loaded"));

        Assert.Equal(13, _rejections.Refused);
    }

    [Fact]
    public void Report_DropsOnly_CountsNothing()
    {
        _rejections.Report(new CentralReport("embedded", _time.GetUtcNow(), 100, 0, 0, new Dictionary<string, long> { ["rate-limit-packets"] = 3 }));

        Assert.Equal(0, _rejections.Refused);
        Assert.Null(_rejections.LastRejection);
    }

    [Fact]
    public void Refuse_HttpAnswers_CountedEachAndThrottledLikeReports()
    {
        for (var i = 0; i < 5; i++)
        {
            _rejections.Refuse(CentralRejections.HttpFallbackInstance, PacketRejection.Create(RejectReasons.StationMismatch, "for another station", _time.GetUtcNow()));
        }

        Assert.Equal(5, _rejections.Refused);
        Assert.Equal(CentralRejections.HttpFallbackInstance, _rejections.LastRejection!.Instance);
        Assert.Single(_log.Entries, e => e.Level == LogLevel.Warning);
    }

    [Fact]
    public void Refuse_InstanceIdLongerThanTheStatusKeeps_ShortensItWithoutSplittingACharacter()
    {
        // An emoji (a surrogate pair) straddles the cut.
        var instance = new string('i', 99) + "\U0001F4FB" + new string('j', 50);

        _rejections.Refuse(instance, PacketRejection.Create(RejectReasons.UnknownStation, "not registered", _time.GetUtcNow()));

        var kept = _rejections.LastRejection!.Instance!;
        Assert.True(kept.Length <= 100, $"{kept.Length} characters");
        Assert.StartsWith(new string('i', 99), kept, StringComparison.Ordinal);
        Assert.DoesNotContain(kept, char.IsSurrogate);
    }

    private CentralReport Report(string instance, long rejected, string reason, string detail, TimeSpan lastAgo = default)
    {
        var now = _time.GetUtcNow();
        return new CentralReport(instance, now, 0, rejected, 0, new Dictionary<string, long>())
        {
            LastRejection = new PacketRejection(reason, detail, now - lastAgo),
        };
    }
}
