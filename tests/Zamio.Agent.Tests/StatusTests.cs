namespace Zamio.Agent.Tests;

/// <summary>The retained status through the real host and an in-process broker.</summary>
public sealed class StatusTests
{
    [Fact]
    public async Task DeadAirStarts_StatusIsPublishedAtOnceNotAtTheNextHeartbeat()
    {
        using var dir = new TempDir();
        var silence = dir.Combine("silence.wav");
        TestAudio.WriteChordWav(silence, seconds: 20);
        using (var file = File.OpenWrite(silence))
        {
            file.Position = 44; // past the header: the samples become digital silence
            file.Write(new byte[20 * 8000 * 2]);
        }

        await using var broker = new TestBroker();
        await broker.StartAsync();
        var settings = AgentRunner.Settings("file:" + silence, broker.Url, dir.Combine("spool"));
        settings["Agent:Pace"] = "realtime";
        settings["Agent:DeadAirSeconds"] = "1";
        settings["Agent:StatusIntervalSeconds"] = "3600";
        await using var agent = new AgentRunner(settings);
        await agent.StartAsync();

        // The first status (on connect) says not dead air; the next one, an hour of heartbeat away, must come now.
        await TestEnvironment.WaitUntilAsync(
            () => broker.LastStatus?.Contains("\"deadAir\":true", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(15), "a status with dead air");
    }
}
