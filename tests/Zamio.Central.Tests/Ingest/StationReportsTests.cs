using System.Text.Json;
using Zamio.Central.Ingest;
using Zamio.Central.Stations;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Ingest;

/// <summary>The <c>status/central</c> reports name why a station's latest packet was refused.</summary>
public sealed class StationReportsTests : IAsyncLifetime
{
    private IngestRig _rig = null!;
    private IngestWorker _worker = null!;
    private StationReports _reports = null!;

    public async Task InitializeAsync()
    {
        _rig = await IngestRig.StartAsync();
        _worker = _rig.Worker(TimeSpan.FromSeconds(120));
        _reports = new StationReports(_rig.Activity, "instance-1", _rig.Time);
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Due_PacketOfAnotherAlgorithmVersion_ReportCarriesTheReasonDetailAndTime()
    {
        var good = _rig.Packets[0];
        var foreign = new FingerprintPacket(good.StationId, good.Sequence, good.CaptureStartUnixMicros, good.StartFrame, good.FrameCount, good.Peaks.AsSpan(),
            algorithmVersion: FingerprintSettings.AlgorithmVersion + 1);
        _rig.Time.Advance(TimeSpan.FromSeconds(3));

        await _worker.ProcessAsync(IngestRig.Inbound(foreign));

        var (topic, json) = Assert.Single(_reports.Due());
        Assert.Equal("zamio/v1/stations/st-idle/status/central", topic);
        var report = JsonDocument.Parse(json).RootElement;
        Assert.Equal(("instance-1", 1L), (report.GetProperty("instance").GetString(), report.GetProperty("rejected").GetInt64()));
        var last = report.GetProperty("lastRejection");
        Assert.Equal(RejectReasons.AlgorithmVersion, last.GetProperty("reason").GetString());
        Assert.Contains($"central runs {FingerprintSettings.AlgorithmVersion}", last.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(_rig.Time.GetUtcNow(), last.GetProperty("at").GetDateTimeOffset());
        Assert.False(last.TryGetProperty("instance", out _), "the report names its instance once, at the top");
    }

    [Fact]
    public async Task Due_StationRemovedThenStreamStartFarAhead_ReportsTheLatestReasonOnly()
    {
        Assert.True(_rig.Stations.Remove(IngestRig.Station));
        await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[0]));
        var first = Parse(Assert.Single(_reports.Due()).Json);
        Assert.Equal(RejectReasons.UnknownStation, first.LastRejection!.Reason);

        // A stream claiming to start an hour ahead of central's clock.
        var ahead = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(4), captureStart: _rig.Time.GetUtcNow().AddHours(1))[0];
        await _worker.ProcessAsync(IngestRig.Inbound(ahead));

        var second = Parse(Assert.Single(_reports.Due()).Json);
        Assert.Equal((2L, RejectReasons.ClockAhead), (second.Rejected, second.LastRejection!.Reason));
        Assert.Contains("ahead of central's clock", second.LastRejection.Detail, StringComparison.Ordinal);
        Assert.Equal(second.LastRejection, _rig.Activity.State(IngestRig.Station).LastRejection);
    }

    [Fact]
    public async Task Due_OnlyAcceptedPackets_NoReportAndNoRejection()
    {
        await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[0]));

        Assert.Empty(_reports.Due());
        Assert.Null(_rig.Activity.State(IngestRig.Station).LastRejection);
    }

    [Fact]
    public void PacketRejected_LongDetail_IsCutSoReportsStaySmall()
    {
        var activity = new StationActivity(_rig.Time);

        activity.PacketRejected("st-long", RejectReasons.Malformed, new string('x', 5000));

        var last = activity.State("st-long").LastRejection!;
        Assert.Equal(PacketRejection.MaxDetailLength, last.Detail.Length);
        var report = Parse(Assert.Single(new StationReports(activity, "i", _rig.Time).Due()).Json);
        Assert.Equal(last, report.LastRejection);
    }

    private static CentralReport Parse(byte[] json) =>
        CentralReport.TryParse(new System.Buffers.ReadOnlySequence<byte>(json), out var report) ? report : throw new InvalidOperationException("not a report");
}
