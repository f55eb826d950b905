using System.Text;
using Zamio.Agent.Devices;
using Zamio.Agent.Sources;

namespace Zamio.Agent.Tests;

public sealed class SourceTests
{
    [Fact]
    public async Task MissingSoundCard_ClearError()
    {
        var source = ProcessAudioSource.Alsa("hw:CARD=NoSuchCard,DEV=0", TimeSpan.FromSeconds(10));
        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(() => source.OpenAsync(CancellationToken.None));
        Assert.StartsWith("alsa:hw:CARD=NoSuchCard,DEV=0:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Folder_PlaylistBesideTheRecordings_IsLeftOutAndBothRecordingsAreRead()
    {
        using var dir = new TempDir();
        TestAudio.WriteChordWav(dir.Combine("10-00.wav"), seconds: 1);
        await File.WriteAllTextAsync(dir.Combine("10-30.m3u"), "#EXTM3U\n10-00.wav\n");
        TestAudio.WriteChordWav(dir.Combine("11-00.wav"), seconds: 2);

        using var input = await new FileAudioSource(dir.Path).OpenAsync(CancellationToken.None);
        var buffer = new float[4096];
        long samples = 0;
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            samples += read;
        }

        Assert.Equal(3 * Zamio.Shared.Fingerprinting.FingerprintSettings.SampleRate, samples);
    }

    [Fact]
    public async Task FailingCommand_ReportsItsStderrAndExitCode()
    {
        var source = ProcessAudioSource.Command("echo 'no such device' >&2; exit 3", TimeSpan.FromSeconds(10));
        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(() => source.OpenAsync(CancellationToken.None));
        Assert.Contains("exit code 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no such device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_DeliversPcmAsFloats()
    {
        // 4 samples of s16le: 0, 16384, -32768, 32767.
        var source = ProcessAudioSource.Command(@"printf '\000\000\000\100\000\200\377\177'", TimeSpan.FromSeconds(10));
        using var input = await source.OpenAsync(CancellationToken.None);
        var buffer = new float[16];
        var total = 0;
        try
        {
            int read;
            while ((read = input.Read(buffer.AsSpan(total))) > 0)
            {
                total += read;
            }
        }
        catch (SourceUnavailableException)
        {
            // A finite command "stops"; the samples before that are what matters here.
        }

        Assert.Equal(4, total);
        Assert.Equal([0f, 0.5f, -1f, 32767 / 32768f], buffer[..4]);
    }

    [Fact]
    public async Task Read_CommandAliveButSilent_FailsAsUnavailable()
    {
        // Like an arecord that lost sync or an ffmpeg pulling a stalled stream: audio, then nothing, process still running.
        var source = ProcessAudioSource.Command("printf 'abcd'; exec sleep 60", TimeSpan.FromSeconds(10), silentFor: TimeSpan.FromSeconds(1));
        using var input = await source.OpenAsync(CancellationToken.None);
        var reading = Task.Run(() =>
        {
            var buffer = new float[16];
            while (input.Read(buffer) > 0)
            {
            }
        });

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("no data for 1 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IcyMetadata_IsStrippedAndTitleReported()
    {
        var audio1 = Enumerable.Range(0, 16).Select(i => (byte)i).ToArray();
        var audio2 = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
        var meta = Encoding.UTF8.GetBytes("StreamTitle='Artist - Song';");
        var padded = new byte[32];
        meta.CopyTo(padded, 0);
        var raw = new MemoryStream([.. audio1, 2, .. padded, .. audio2, 0]);
        string? title = null;
        using var stream = new IcyMetadataStream(raw, 16, t => title = t);
        var output = new MemoryStream();
        stream.CopyTo(output);
        Assert.Equal([.. audio1, .. audio2], output.ToArray());
        Assert.Equal("Artist - Song", title);
    }

    [Fact]
    public void ArecordListing_IsParsed()
    {
        const string text = """
            **** List of CAPTURE Hardware Devices ****
            card 0: PCH [HDA Intel PCH], device 0: ALC3246 Analog [ALC3246 Analog]
              Subdevices: 1/1
              Subdevice #0: subdevice #0
            card 1: Device [USB Audio Device], device 0: USB Audio [USB Audio]
              Subdevices: 1/1
            """;
        var devices = AlsaDevices.Parse(text);
        Assert.Equal(2, devices.Count);
        Assert.Equal("alsa:plughw:CARD=PCH,DEV=0", devices[0].Source);
        Assert.Equal("USB Audio Device", devices[1].CardName);
    }
}
