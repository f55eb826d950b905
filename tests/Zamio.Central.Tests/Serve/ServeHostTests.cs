using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zamio.Central.Archive;
using Zamio.Central.Hosting;
using Zamio.Central.Ingest;
using Zamio.Central.Plays;
using Zamio.Central.Tests.Cli;

namespace Zamio.Central.Tests.Serve;

[Collection(ConsoleCollection.Name)]
public sealed class ServeHostTests
{
    public static TheoryData<string?> Brokers => new() { null, "127.0.0.1" };

    [Theory]
    [MemberData(nameof(Brokers))]
    public async Task Build_HostedServices_StopTheIntakeBeforeIngestAndIngestBeforeThePlayWriter(string? externalBroker)
    {
        // A packet the broker acknowledged is gone from its agent's spool, and a play the ingest loop produces after the
        // play writer's last flush is never written: on a restart nothing may reach a loop that has already stopped.
        using var dir = new TempDirectory();
        var app = ServeHost.Build(["serve", "--data-dir", dir.Path, "--urls", "http://127.0.0.1:0", "--mqtt-port", "0"],
            new Dictionary<string, string?> { [$"{ExternalBrokerOptions.Section}:Host"] = externalBroker });
        await using (app)
        {
            // The host stops its services in the reverse order of registration.
            var stopOrder = app.Services.GetServices<IHostedService>().Select(s => s.GetType()).Reverse().ToList();
            var intake = stopOrder.IndexOf(externalBroker is null ? typeof(EmbeddedBroker) : typeof(ExternalBrokerIngest));
            var ingest = stopOrder.IndexOf(typeof(IngestService));
            Assert.InRange(intake, 0, ingest - 1);
            Assert.InRange(stopOrder.IndexOf(typeof(StationIdleSweep)), 0, ingest - 1);
            Assert.InRange(stopOrder.IndexOf(typeof(StationRevocationSweep)), 0, ingest - 1);
            Assert.True(ingest < stopOrder.IndexOf(typeof(PlayStore)), string.Join(", ", stopOrder.Select(t => t.Name)));
            Assert.True(ingest < stopOrder.IndexOf(typeof(PacketArchive)), "the archive writes its last batch after the last packet was matched");
        }
    }

    [Fact]
    public async Task RunAsync_SettingsOutOfRange_OneLinePerProblemAndExitCode2()
    {
        using var dir = new TempDirectory();
        var run = await CliRun.CaptureAsync(() => ServeHost.RunAsync(
            ["serve", "--data-dir", dir.Path, "--urls", "http://127.0.0.1:0", "--mqtt-port", "0"],
            new Dictionary<string, string?> { ["Zamio:Archive:Days"] = "-1", ["Zamio:IdleCloseSeconds"] = "1" }));

        Assert.Equal(2, run.ExitCode);
        var lines = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.StartsWith("error: configuration: ", StringComparison.Ordinal) && l.Contains("IdleCloseSeconds", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("at ", StringComparison.Ordinal));
    }
}
