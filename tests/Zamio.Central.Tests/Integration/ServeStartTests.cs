using Npgsql;
using Xunit.Abstractions;
using Zamio.Central.Hosting;
using Zamio.Central.Tests.Cli;

namespace Zamio.Central.Tests.Integration;

[Collection(ConsoleCollection.Name)]
[Trait("Category", "Integration")]
public sealed class ServeStartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_PostgresRefusesTheLogin_OneLineErrorAndExitCode1()
    {
        await using var pg = await TestServers.PostgresAsync(output);
        if (pg is null)
        {
            return;
        }

        // Waiting cannot mend a wrong password: the start ends with the reason instead of a crash.
        var wrongPassword = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Password = "not-the-password" }.ConnectionString;
        using var dir = new TempDirectory();
        var run = await CliRun.CaptureAsync(() => ServeHost.RunAsync(
            ["serve", "--data-dir", dir.Path, "--urls", "http://127.0.0.1:0", "--mqtt-port", "0"],
            new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = wrongPassword }));

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.StartsWith("error: PostgreSQL refused: 28P01", line);
    }
}
