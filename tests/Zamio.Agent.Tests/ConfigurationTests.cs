using Zamio.Agent.Configuration;
using Zamio.Agent.Hosting;

namespace Zamio.Agent.Tests;

public sealed class ConfigurationTests
{
    private static async Task<(int Code, string Error)> Run(params string[] args)
    {
        var error = new StringWriter();
        var code = await AgentHost.RunAsync(args, error);
        return (code, error.ToString());
    }

    [Fact]
    public async Task UnknownOption_Exit2()
    {
        var (code, error) = await Run("--staton", "x");
        Assert.Equal(2, code);
        Assert.Contains("--staton: unknown option", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachBadValue_GetsItsOwnLine()
    {
        using var dir = new TempDir();
        var (code, error) = await Run(
            "--station", "bad/id", "--key", "k", "--source", "file:/no/such/file.wav", "--broker", "http://x",
            "--pace", "slow", "--start-time", "yesterday", "--packet-seconds", "0.01", "--report-wait", "-1", "--spool-dir", dir.Path);
        Assert.Equal(2, code);
        foreach (var option in new[] { "--station", "--source", "--broker", "--pace", "--start-time", "--packet-seconds", "--report-wait" })
        {
            Assert.Contains("zamio-agent: " + option + ":", error, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("--key:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotANumber_Exit2NamingTheKey()
    {
        using var dir = new TempDir();
        var (code, error) = await Run(
            "--station", "st1", "--key", "k", "--source", "file:" + dir.Path, "--broker", "mqtt://127.0.0.1:1", "--packet-seconds", "abc", "--spool-dir", dir.Path);

        Assert.Equal(2, code);
        Assert.Contains("'abc' at 'Agent:PacketSeconds'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PeriodBeyondADay_IsAnError()
    {
        var options = new AgentOptions { StationId = "st1", Key = "k", Source = "file:/tmp", Broker = "mqtt://127.0.0.1:1", StatusIntervalSeconds = 1e12 };

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Agent:StatusIntervalSeconds: ", StringComparison.Ordinal) && f.EndsWith("(a day)", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_StartTimeBeyondTenMinutesAhead_IsAnErrorAndJustWithinIsNot()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
        AgentOptions Starting(string at) => new() { StationId = "st1", Key = "k", Source = "file:/tmp", Broker = "mqtt://127.0.0.1:1", StartTime = at };

        var ahead = new AgentOptionsValidator(clock).Validate(null, Starting("2026-11-29T12:10:01Z"));
        var within = new AgentOptionsValidator(clock).Validate(null, Starting("2026-11-29T12:09:59Z"));

        Assert.Contains(ahead.Failures!, f => f.StartsWith("--start-time: ", StringComparison.Ordinal) && f.Contains("in the future", StringComparison.Ordinal));
        Assert.True(within.Succeeded);
    }

    [Fact]
    public void ValidOptions_Parse()
    {
        var values = new Dictionary<string, string?>();
        var errors = CommandLine.Parse(["--station", "kiss-fm", "--broker=mqtts://broker.example:8884", "--pace", "fast"], values);
        Assert.Empty(errors);
        var options = new AgentOptions { StationId = "kiss-fm", Broker = values["Agent:Broker"]!, Pace = values["Agent:Pace"]! };
        Assert.Equal(new BrokerAddress("broker.example", 8884, true), options.ParsedBroker);
        Assert.Equal(Pace.Fast, options.ParsedPace);
    }

    [Fact]
    public void MissingValue_IsAnError()
    {
        var errors = CommandLine.Parse(["--station", "--key", "k"], new Dictionary<string, string?>());
        Assert.Equal(["--station: a value is required"], errors);
    }
}
