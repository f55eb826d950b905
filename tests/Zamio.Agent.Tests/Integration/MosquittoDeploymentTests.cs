using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Tests.Integration;

/// <summary>
/// The repository's <c>deploy/mosquitto</c> configuration and ACL, as shipped, on a private Mosquitto: only paths,
/// ports and logging are rewritten for the test.
/// </summary>
[Trait("Category", "Integration")]
public sealed class MosquittoDeploymentTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string CentralPassword = "central-secret";

    [Fact]
    public async Task ShippedConfig_StationLogsInWithAnotherStationsClientId_ThatAgentStaysConnectedAndItsTopicStaysItsOwn()
    {
        if (!BrokerInstalled())
        {
            return;
        }

        using var dir = new TempDir();
        await WritePasswordsAsync(dir.Combine("passwd"), ("joy-fm", "joy-secret"), ("kiss-fm", "kiss-secret"));
        using var broker = await StartShippedBrokerAsync(dir);
        var (stationPort, centralPort) = (broker.StationPort, broker.CentralPort);

        var received = new BlockingCollection<string>();
        using var central = await ConnectAsync(centralPort, "zamio-central", CentralPassword, "zamio-central-test-a");
        central.ApplicationMessageReceivedAsync += e =>
        {
            received.Add(e.ApplicationMessage.Topic + " " + Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await central.SubscribeAsync("$share/zamio-central/zamio/v1/stations/+/fp", MqttQualityOfServiceLevel.AtLeastOnce);
        using var secondCentral = await ConnectAsync(centralPort, "zamio-central", CentralPassword, "zamio-central-test-b");

        using var joy = await ConnectAsync(stationPort, "joy-fm", "joy-secret", "zamio-agent-joy-fm");
        var joyDropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        joy.DisconnectedAsync += _ =>
        {
            joyDropped.TrySetResult();
            return Task.CompletedTask;
        };

        // Another station's credentials with joy-fm's agent client id: without use_username_as_clientid the broker
        // closes joy-fm's connection before it answers this one.
        using var kiss = await ConnectAsync(stationPort, "kiss-fm", "kiss-secret", "zamio-agent-joy-fm");
        var forged = await PublishAsync(kiss, Topics.Fingerprints("joy-fm"), "forged");
        await PublishAsync(kiss, Topics.Fingerprints("kiss-fm"), "from-kiss");
        var own = await PublishAsync(joy, Topics.Fingerprints("joy-fm"), "from-joy");

        Assert.False(joyDropped.Task.IsCompleted, "joy-fm's agent was disconnected by kiss-fm's login");
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, own.ReasonCode);
        // One subscriber, and each publisher's messages arrive in order: the forged one would have come first.
        Assert.Equal([$"{Topics.Fingerprints("kiss-fm")} from-kiss", $"{Topics.Fingerprints("joy-fm")} from-joy"], [Take(received), Take(received)]);
        Assert.True(central.IsConnected && secondCentral.IsConnected, "two central instances stay connected side by side");

        using var stationOnCentralListener = new MqttClientFactory().CreateMqttClient();
        var refused = await stationOnCentralListener.ConnectAsync(Options(centralPort, "joy-fm", "joy-secret", "zamio-agent-joy-fm"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, refused.ResultCode);
    }

    [Fact]
    public async Task ZamioStationScript_AddThenRemove_TheKeyLogsInToTheShippedBrokerThenNoLonger()
    {
        if (!BrokerInstalled())
        {
            return;
        }

        using var dir = new TempDir();
        var added = await RunStationScriptAsync(dir, "add", "joy-fm", reload: "touch " + dir.Combine("reloaded"));
        Assert.True(added.ExitCode == 0, added.Error);
        var key = JsonDocument.Parse(added.Out).RootElement.GetProperty("key").GetString()!;
        Assert.True(File.Exists(dir.Combine("reloaded")), "the reload command ran");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(dir.Combine("passwd")) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute));
        }

        using var broker = await StartShippedBrokerAsync(dir);
        using (var joy = await ConnectAsync(broker.StationPort, "joy-fm", key, "zamio-agent-joy-fm"))
        {
            Assert.True(joy.IsConnected);
        }

        var removed = await RunStationScriptAsync(dir, "remove", "joy-fm", reload: $"kill -HUP {broker.Process.ProcessId}");
        Assert.True(removed.ExitCode == 0, removed.Error);
        await TestEnvironment.WaitUntilAsync(() => broker.Process.Log.Contains("Reloading config", StringComparison.Ordinal), Patience, "the broker to reload");
        using var refused = new MqttClientFactory().CreateMqttClient();
        var result = await refused.ConnectAsync(Options(broker.StationPort, "joy-fm", key, "zamio-agent-joy-fm"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        Assert.DoesNotContain("joy-fm:", await File.ReadAllTextAsync(dir.Combine("passwd")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZamioStationScript_ReservedId_ExitsNonZeroAndWritesNoPassword()
    {
        if (!TestEnvironment.Require(PasswdTool is not null, "mosquitto_passwd is not installed", output))
        {
            return;
        }

        using var dir = new TempDir();

        var added = await RunStationScriptAsync(dir, "add", "zamio-central-2", reload: "");

        Assert.NotEqual(0, added.ExitCode);
        Assert.Contains("reserved", added.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.Combine("passwd")));
    }

    private bool BrokerInstalled() => TestEnvironment.Require(
        MosquittoProcess.Executable is not null && PasswdTool is not null, "mosquitto or mosquitto_passwd is not installed", output);

    // The shipped configuration on free loopback ports, with central's password file; the stations' file must exist.
    private static async Task<ShippedBroker> StartShippedBrokerAsync(TempDir dir)
    {
        var (stationPort, centralPort) = (TestBroker.FreePort(), TestBroker.FreePort());
        await WritePasswordsAsync(dir.Combine("central-passwd"), ("zamio-central", CentralPassword));
        var process = new MosquittoProcess(dir.Combine("broker"), stationPort, ShippedConfig(dir.Path, stationPort, centralPort));
        try
        {
            await process.StartAsync();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        return new ShippedBroker(process, stationPort, centralPort);
    }

    private sealed record ShippedBroker(MosquittoProcess Process, int StationPort, int CentralPort) : IDisposable
    {
        public void Dispose() => Process.Dispose();
    }

    // Central's command line from the build of the solution this test belongs to (same configuration).
    private static async Task<(int ExitCode, string Out, string Error)> RunStationScriptAsync(TempDir dir, string verb, string station, string reload)
    {
        var root = RepositoryRoot();
        var build = Path.GetRelativePath(Path.Combine(root, "tests", "Zamio.Agent.Tests"), AppContext.BaseDirectory);
        var central = Path.Combine(root, "src", "Zamio.Central", build, "zamio-central.dll");
        Assert.True(File.Exists(central), $"{central} is missing: build the solution first");
        var start = new ProcessStartInfo(Path.Combine(root, "deploy", "mosquitto", "zamio-station"), [verb, station, "--data-dir", dir.Combine("central")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ZAMIO_CENTRAL"] = "dotnet " + central;
        start.Environment["MOSQUITTO_PASSWD"] = dir.Combine("passwd");
        start.Environment["MOSQUITTO_RELOAD"] = reload;
        using var script = Process.Start(start)!;
        var (stdout, stderr) = (script.StandardOutput.ReadToEndAsync(), script.StandardError.ReadToEndAsync());
        await script.WaitForExitAsync().WaitAsync(Patience);
        return (script.ExitCode, await stdout, await stderr);
    }

    private static string? PasswdTool { get; } = new[] { "/usr/bin/mosquitto_passwd", "/usr/local/bin/mosquitto_passwd", "/opt/homebrew/bin/mosquitto_passwd" }
        .FirstOrDefault(File.Exists);

    private static string Take(BlockingCollection<string> received) =>
        received.TryTake(out var message, Patience) ? message : throw new TimeoutException("central received nothing");

    private static string ShippedConfig(string directory, int stationPort, int centralPort)
    {
        var deploy = Path.Combine(RepositoryRoot(), "deploy", "mosquitto");
        var config = File.ReadAllText(Path.Combine(deploy, "mosquitto.conf"))
            .Replace("listener 1883\n", $"listener {stationPort} 127.0.0.1\n", StringComparison.Ordinal)
            .Replace("listener 1884\n", $"listener {centralPort} 127.0.0.1\n", StringComparison.Ordinal)
            .Replace("/mosquitto/auth/", directory + "/", StringComparison.Ordinal)
            .Replace("/mosquitto/config/acl", Path.Combine(deploy, "acl"), StringComparison.Ordinal)
            .Replace("/mosquitto/data/", directory + "/", StringComparison.Ordinal)
            .Replace("log_dest stdout", "log_dest stderr", StringComparison.Ordinal);
        Assert.Contains($"listener {centralPort} ", config, StringComparison.Ordinal);
        // The start waits for the "running" line, logged as information. A root-run broker would otherwise drop to a
        // 'mosquitto' user that cannot read the test's files.
        return config + "\nlog_type information\nuser root\n";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "deploy", "mosquitto", "mosquitto.conf")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("deploy/mosquitto/mosquitto.conf not found above " + AppContext.BaseDirectory);
    }

    private static async Task WritePasswordsAsync(string file, params (string User, string Password)[] users)
    {
        var create = true;
        foreach (var (user, password) in users)
        {
            string[] args = create ? ["-c", "-b", file, user, password] : ["-b", file, user, password];
            using var tool = Process.Start(new ProcessStartInfo(PasswdTool!, args) { RedirectStandardError = true })!;
            await tool.WaitForExitAsync();
            Assert.True(tool.ExitCode == 0, $"mosquitto_passwd exited {tool.ExitCode.ToString(CultureInfo.InvariantCulture)}: {await tool.StandardError.ReadToEndAsync()}");
            create = false;
        }
    }

    private static async Task<IMqttClient> ConnectAsync(int port, string user, string password, string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(Options(port, user, password, clientId));
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"{user} could not log in: {result.ResultCode}");
        }

        return client;
    }

    private static MqttClientOptions Options(int port, string user, string password, string clientId) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithCredentials(user, password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(Patience)
            .Build();

    private static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
}
