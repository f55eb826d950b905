using Zamio.Agent.Configuration;
using Zamio.Agent.Devices;
using Zamio.Agent.Sources;

namespace Zamio.Agent.Tests;

/// <summary>The Windows sound card source: parsing, format conversion and its errors (these run on any OS).</summary>
public sealed class WasapiTests
{
    [Fact]
    public void SourceSpec_Wasapi_ParsesDeviceName()
    {
        Assert.True(SourceSpec.TryParse("wasapi:\"Line In (USB Audio)\"", out var spec, out _));
        Assert.Equal(new SourceSpec(SourceKind.Wasapi, "Line In (USB Audio)"), spec);
        Assert.False(SourceSpec.TryParse("wasapi:", out _, out var error));
        Assert.Contains("names no wasapi target", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_WasapiSource_RefusedOnlyOffWindows()
    {
        var options = new AgentOptions { StationId = "kiss-fm", Key = "k", Source = "wasapi:default", Broker = "mqtt://127.0.0.1:1883" };
        var result = new AgentOptionsValidator().Validate(null, options);
        Assert.Equal(OperatingSystem.IsWindows(), result.Succeeded);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(["--source: " + WasapiAudioSource.NotWindows], result.Failures);
        }
    }

    [Fact]
    public async Task Open_MissingDevice_ClearError()
    {
        // Off Windows: WASAPI does not exist. On Windows: no capture device has this name.
        var source = new WasapiAudioSource("No Such Device 7f3a", TimeSpan.FromSeconds(5));
        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(() => source.OpenAsync(CancellationToken.None));
        Assert.StartsWith("wasapi:No Such Device 7f3a: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(OperatingSystem.IsWindows() ? "no such active capture device" : "need Windows", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Devices_PrintsPasteableSourcesOrSaysWhyNot()
    {
        var output = new StringWriter();
        WasapiDevices.Write([new WasapiDevice("{0.0.1.00000000}.{abc}", "Line In (USB Audio)", IsDefault: true), new WasapiDevice("{0.0.1.00000000}.{def}", "Microphone", false)], output);
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("--source \"wasapi:Line In (USB Audio)\"   (default", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("id {0.0.1.00000000}.{def}", lines[1], StringComparison.Ordinal);

        if (!OperatingSystem.IsWindows())
        {
            var error = new StringWriter();
            Assert.Equal(1, WasapiDevices.Print(TextWriter.Null, error));
            Assert.Contains("need Windows", error.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void PcmFormat_MixesChannelsToMono()
    {
        var mono = new float[2];
        var stereoFloat = new[] { 0.5f, -0.5f, 1f, 0f }.SelectMany(BitConverter.GetBytes).ToArray();
        Assert.Equal(2, new PcmFormat(32, true, 2).ToMono(stereoFloat, mono));
        Assert.Equal([0f, 0.5f], mono);

        byte[] pcm16 = [0x00, 0x40, 0x00, 0xC0]; // 16384, -16384
        Assert.Equal(2, new PcmFormat(16, false, 1).ToMono(pcm16, mono));
        Assert.Equal([0.5f, -0.5f], mono);

        byte[] pcm24 = [0x00, 0x00, 0x40, 0x00, 0x00, 0x80]; // 0x400000, -0x800000
        Assert.Equal(2, new PcmFormat(24, false, 1).ToMono(pcm24, mono));
        Assert.Equal([0.5f, -1f], mono);
        Assert.False(new PcmFormat(8, false, 1).IsSupported);
    }

    [Fact]
    public async Task SampleQueue_ReadWaitsForTheDriverAndEndsWithItsError()
    {
        using var queue = new SampleQueue(48_000, capacity: 4, silentFor: TimeSpan.FromMinutes(1));
        var buffer = new float[8];
        var read = Task.Run(() => queue.Read(buffer));
        queue.Write([1f, 2f]);
        Assert.Equal(2, await read.WaitAsync(TimeSpan.FromSeconds(10)));

        queue.Write([3f, 4f, 5f, 6f, 7f]); // one more than the capacity: the oldest is overwritten
        queue.Complete(new InvalidOperationException("device unplugged"));
        Assert.Equal(4, queue.Read(buffer));
        Assert.Equal([4f, 5f, 6f, 7f], buffer[..4]);
        var ex = Assert.Throws<SourceUnavailableException>(() => queue.Read(buffer));
        Assert.Contains("device unplugged", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SampleQueue_DriverStopsCallingBack_ReadFailsAsUnavailable()
    {
        // A driver that goes quiet without reporting an error: the read must end, or capture waits for ever.
        using var queue = new SampleQueue(48_000, capacity: 4, silentFor: TimeSpan.FromSeconds(1));
        var buffer = new float[8];
        queue.Write([1f]);
        Assert.Equal(1, queue.Read(buffer));

        var read = Task.Run(() => queue.Read(buffer));

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(() => read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("no audio for 1 s", ex.Message, StringComparison.Ordinal);
    }
}
