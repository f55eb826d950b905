using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Zamio.Agent.Tests;

/// <summary>The agent process killed with SIGKILL while packets wait in its spool, then started again.</summary>
public sealed partial class CrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task KilledWithSpooledPackets_RestartDeliversEachOnceInOrder()
    {
        using var dir = new TempDir();
        var longWav = dir.Combine("long.wav");
        var shortWav = dir.Combine("short.wav");
        TestAudio.WriteChordWav(longWav, seconds: 600, seed: 5); // long enough to be killed mid-file
        TestAudio.WriteChordWav(shortWav, seconds: 4, seed: 6);
        var spool = dir.Combine("spool");

        // First run: nothing listens on the broker port, so every packet stays in the spool.
        using (var first = new AgentProcess(Args(longWav, $"mqtt://127.0.0.1:{TestBroker.FreePort()}", spool)))
        {
            await TestEnvironment.WaitUntilAsync(() => SpoolBytes(spool) >= 4000, Patience, "packets in the spool");
            first.Kill();
            output.WriteLine(first.Output);
        }

        await using var broker = new TestBroker();
        await broker.StartAsync();
        string log;
        using (var second = new AgentProcess(Args(shortWav, broker.Url, spool)))
        {
            var code = await second.WaitForExitAsync(Patience);
            log = second.Output;
            output.WriteLine(log);
            Assert.Equal(0, code);
        }

        // The restarted agent reports what it recovered; all of it was produced before the kill.
        var match = RecoveredLine().Match(log);
        Assert.True(match.Success, "the restart logs the recovered spool");
        var recovered = int.Parse(match.Groups["pending"].Value, CultureInfo.InvariantCulture);
        Assert.True(recovered >= 5, $"only {recovered} packets recovered");

        var received = broker.Packets.ToList();
        var beforeKill = received[..recovered];
        var afterRestart = received[recovered..];
        Assert.Equal(Enumerable.Range(1, recovered).Select(i => (ulong)i), beforeKill.Select(p => p.Sequence));
        DeliveryAssert.TilesFromZero(beforeKill); // from frame 0 with no hole: nothing produced before the kill is lost
        DeliveryAssert.TilesFromZero(afterRestart);
        Assert.All(afterRestart, p => Assert.True(p.Sequence > (ulong)recovered, $"sequence {p.Sequence} reused"));
        Assert.Equal(received.OrderBy(p => p.Sequence).Select(p => p.Sequence), received.Select(p => p.Sequence));
        Assert.Equal(received.Count, received.Select(p => p.Sequence).Distinct().Count());
    }

    // No central behind the test broker to report refusals, so the run does not wait for one.
    private static string[] Args(string wav, string broker, string spool) =>
        ["--station", "test-fm", "--key", "secret", "--source", "file:" + wav, "--broker", broker, "--spool-dir", spool, "--pace", "fast", "--report-wait", "0"];

    private static long SpoolBytes(string spool) =>
        Directory.Exists(spool) ? new DirectoryInfo(spool).EnumerateFiles("seg-*").Sum(f => f.Length) : 0;

    [GeneratedRegex(@"(?<pending>\d+) packet\(s\) to deliver, acknowledged up to 0")]
    private static partial Regex RecoveredLine();
}
