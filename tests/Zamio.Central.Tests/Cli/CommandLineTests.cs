using System.Text.Json;
using NAudio.Wave;
using Zamio.Shared.Tests.TestAudio;

namespace Zamio.Central.Tests.Cli;

/// <summary>A catalogue folder of six synthetic songs with a metadata sidecar, added once to a data directory.</summary>
public sealed class CliCatalogueFixture : IDisposable
{
    public const int SongCount = 6;
    public const double SongSeconds = 20;

    private readonly TempDirectory _dir = new();

    public CliCatalogueFixture()
    {
        Directory.CreateDirectory(SongsFolder);
        Songs = new float[SongCount][];
        for (var k = 0; k < SongCount; k++)
        {
            Songs[k] = SyntheticMusic.Song(SeedOf(k), SongSeconds);
            CommandLineTests.WriteWav(Path.Combine(SongsFolder, IdOf(k) + ".wav"), Songs[k], SyntheticMusic.SampleRate);
        }

        File.WriteAllLines(Path.Combine(SongsFolder, "catalog.csv"),
        [
            "id,title,artist",
            $"{IdOf(2)},\"Two, the song\",Band",
        ]);
        AddRun = CliRun.Invoke("catalog", "add", SongsFolder, "--data-dir", DataDirectory);
    }

    public string Root => _dir.Path;

    public string SongsFolder => _dir.Combine("songs");

    public string DataDirectory => _dir.Combine("data");

    public float[][] Songs { get; }

    internal CliRun AddRun { get; }

    /// <summary>Copies the catalogue's files into <paramref name="data"/>, so a test can change them.</summary>
    public string CopyInto(string data)
    {
        Directory.CreateDirectory(data);
        foreach (var file in Directory.GetFiles(DataDirectory))
        {
            File.Copy(file, Path.Combine(data, Path.GetFileName(file)));
        }

        return data;
    }

    public static int SeedOf(int k) => 4200 + k;

    public static string IdOf(int k) => $"song{k}";

    public void Dispose() => _dir.Dispose();
}

[Collection(ConsoleCollection.Name)]
public sealed class CommandLineTests : IClassFixture<CliCatalogueFixture>, IDisposable
{
    private const int Rate = SyntheticMusic.SampleRate;

    private readonly CliCatalogueFixture _catalogue;
    private readonly TempDirectory _dir = new();

    public CommandLineTests(CliCatalogueFixture catalogue)
    {
        _catalogue = catalogue;
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void CatalogAdd_Folder_AddsEveryWavAndReportsOnStderr()
    {
        var run = _catalogue.AddRun;

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(run.Out);
        Assert.Contains($"catalogued {CliCatalogueFixture.SongCount} track(s)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void CatalogList_AfterAdd_OneJsonLinePerTrackWithSidecarMetadata()
    {
        var run = CliRun.Invoke("catalog", "list", "--data-dir", _catalogue.DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            Enumerable.Range(0, CliCatalogueFixture.SongCount).Select(CliCatalogueFixture.IdOf),
            lines.Select(l => l.GetProperty("track").GetString()));
        var two = lines[2];
        Assert.Equal("Two, the song", two.GetProperty("title").GetString());
        Assert.Equal("Band", two.GetProperty("artist").GetString());
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("title").ValueKind);
        Assert.Equal(CliCatalogueFixture.SongSeconds, lines[0].GetProperty("duration").GetDouble(), 2);
    }

    [Fact]
    public void Identify_Excerpt_PrintsJsonWithTrackOffsetAndConfidence()
    {
        var clip = _dir.Combine("clip-a.wav");
        WriteWav(clip, SyntheticMusic.Slice(_catalogue.Songs[3], 6, 8), Rate);

        var run = CliRun.Invoke("identify", clip, "--data-dir", _catalogue.DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = JsonDocument.Parse(Assert.Single(run.OutLines)).RootElement;
        Assert.Equal("clip-a", json.GetProperty("clip").GetString());
        Assert.Equal(CliCatalogueFixture.IdOf(3), json.GetProperty("track").GetString());
        Assert.True(json.GetProperty("confidence").GetDouble() >= 0.9, run.ToString());
        Assert.InRange(json.GetProperty("offset").GetDouble(), 5.8, 6.2);
        Assert.InRange(json.GetProperty("speed").GetDouble(), 0.99, 1.01);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("error").ValueKind);
    }

    [Fact]
    public void Identify_ClipAtOtherSampleRate_StillIdentified()
    {
        var clip = _dir.Combine("clip-44k.wav");
        var excerpt = SyntheticMusic.Slice(_catalogue.Songs[5], 2, 8);
        // 44.1 kHz by linear interpolation: the content stays below 4 kHz, so the decoder's resampler sees no aliasing.
        WriteWav(clip, SyntheticMusic.Resample(excerpt, Rate / 44100.0), 44100);

        var run = CliRun.Invoke("identify", clip, "--data-dir", _catalogue.DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = JsonDocument.Parse(Assert.Single(run.OutLines)).RootElement;
        Assert.Equal(CliCatalogueFixture.IdOf(5), json.GetProperty("track").GetString());
        Assert.InRange(json.GetProperty("offset").GetDouble(), 1.8, 2.2);
    }

    [Fact]
    public void Identify_SeveralClips_OneLineEachInArgumentOrderUnknownIsNull()
    {
        var known = _dir.Combine("known.wav");
        var unknown = _dir.Combine("unknown.wav");
        WriteWav(known, SyntheticMusic.Slice(_catalogue.Songs[1], 10, 8), Rate);
        WriteWav(unknown, SyntheticMusic.Song(777_777, 8), Rate);

        var run = CliRun.Invoke("identify", unknown, known, "--data-dir", _catalogue.DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("unknown", lines[0].GetProperty("clip").GetString());
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("track").ValueKind);
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("error").ValueKind);
        Assert.Equal("known", lines[1].GetProperty("clip").GetString());
        Assert.Equal(CliCatalogueFixture.IdOf(1), lines[1].GetProperty("track").GetString());
    }

    [Fact]
    public void Scan_Concatenation_PrintsPlaysInOrderWithBoundaries()
    {
        var recording = _dir.Combine("recording.wav");
        WriteWav(recording, SyntheticMusic.Concat(
            _catalogue.Songs[4],
            SyntheticMusic.WhiteNoise(5 * Rate, 0.05, 9),
            _catalogue.Songs[0]), Rate);

        var run = CliRun.Invoke("scan", recording, "--data-dir", _catalogue.DataDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var plays = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([CliCatalogueFixture.IdOf(4), CliCatalogueFixture.IdOf(0)], plays.Select(p => p.GetProperty("track").GetString()));
        AssertNear(0, plays[0].GetProperty("start").GetDouble());
        AssertNear(20, plays[0].GetProperty("end").GetDouble());
        AssertNear(25, plays[1].GetProperty("start").GetDouble());
        AssertNear(45, plays[1].GetProperty("end").GetDouble());
        Assert.All(plays, p => Assert.True(p.GetProperty("confidence").GetDouble() >= 0.5));
        Assert.Contains("2 play(s)", run.Error, StringComparison.Ordinal);

        // Nothing here is shown and then retracted: asking for retracted plays adds no line.
        var withRetracted = CliRun.Invoke("scan", recording, "--data-dir", _catalogue.DataDirectory, "--retracted");
        Assert.True(withRetracted.ExitCode == 0, withRetracted.ToString());
        Assert.Equal(run.OutLines, withRetracted.OutLines);
    }

    [Fact]
    public void Scan_MissingFile_ExitCode2AndMessageOnStderr()
    {
        var missing = _dir.Combine("nope.wav");

        var run = CliRun.Invoke("scan", missing, "--data-dir", _catalogue.DataDirectory);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.Contains("no such file", run.Error, StringComparison.Ordinal);
        Assert.Contains("nope.wav", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ScanAndIdentify_AFolder_SayItIsAFolder()
    {
        var scan = CliRun.Invoke("scan", _catalogue.SongsFolder, "--data-dir", _catalogue.DataDirectory);
        var identify = CliRun.Invoke("identify", _catalogue.SongsFolder, "--data-dir", _catalogue.DataDirectory);

        Assert.Equal(2, scan.ExitCode);
        Assert.Contains("is a folder", scan.Error, StringComparison.Ordinal);
        Assert.Equal(1, identify.ExitCode);
        Assert.Contains("is a folder", identify.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void CatalogList_MistypedDataDirectory_ExitsOneWithoutCreatingIt()
    {
        var typo = _dir.Combine("zamio-dta");

        var run = CliRun.Invoke("catalog", "list", "--data-dir", typo);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no data directory", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(typo));
    }

    [Fact]
    public void CatalogAdd_MissingPath_ExitCode2AndMessageOnStderr()
    {
        var data = _dir.Combine("data");

        var run = CliRun.Invoke("catalog", "add", _dir.Combine("no-such-folder"), "--data-dir", data);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.Contains("no such file or folder", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Identify_MissingClip_ExitCode1AndJsonError()
    {
        // A clip that cannot be read is a per-clip failure: the other clips still get their lines.
        var missing = _dir.Combine("gone.wav");

        var run = CliRun.Invoke("identify", missing, "--data-dir", _catalogue.DataDirectory);

        Assert.Equal(1, run.ExitCode);
        var json = JsonDocument.Parse(Assert.Single(run.OutLines)).RootElement;
        Assert.Equal("gone", json.GetProperty("clip").GetString());
        Assert.Equal(JsonValueKind.String, json.GetProperty("error").ValueKind);
        Assert.Contains("gone", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Identify_GarbageBytes_ExitCode1AndJsonError()
    {
        var garbage = _dir.Combine("garbage.wav");
        var bytes = new byte[20_000];
        new Random(5).NextBytes(bytes);
        "JUNK"u8.CopyTo(bytes);
        File.WriteAllBytes(garbage, bytes);
        var good = _dir.Combine("good.wav");
        WriteWav(good, SyntheticMusic.Slice(_catalogue.Songs[2], 1, 8), Rate);

        var run = CliRun.Invoke("identify", garbage, good, "--data-dir", _catalogue.DataDirectory);

        Assert.Equal(1, run.ExitCode);
        var lines = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal("garbage", lines[0].GetProperty("clip").GetString());
        Assert.Equal(JsonValueKind.Null, lines[0].GetProperty("track").ValueKind);
        Assert.False(string.IsNullOrWhiteSpace(lines[0].GetProperty("error").GetString()));
        Assert.Equal(CliCatalogueFixture.IdOf(2), lines[1].GetProperty("track").GetString());
        Assert.Contains("error: garbage", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Identify_NoCatalogue_ExitCode2()
    {
        var clip = _dir.Combine("clip.wav");
        WriteWav(clip, SyntheticMusic.Slice(_catalogue.Songs[0], 0, 5), Rate);

        var run = CliRun.Invoke("identify", clip, "--data-dir", _dir.Combine("empty-data"));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.Contains("no catalogue", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void CatalogRemove_UnknownId_ExitCode1()
    {
        var data = AddSingleSong();

        var run = CliRun.Invoke("catalog", "remove", "not-there", "--data-dir", data);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no track 'not-there'", run.Error, StringComparison.Ordinal);
        Assert.Single(CliRun.Invoke("catalog", "list", "--data-dir", data).OutLines);
    }

    [Fact]
    public void CatalogRemove_KnownId_RemovedFromList()
    {
        var data = AddSingleSong();

        var run = CliRun.Invoke("catalog", "remove", "lonely", "--data-dir", data);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(CliRun.Invoke("catalog", "list", "--data-dir", data).OutLines);
    }

    [Fact]
    public void CatalogAdd_SameFileAgainWithoutMetadata_KeepsTitleArtistAndIsrc()
    {
        var folder = _dir.Combine("tagged");
        Directory.CreateDirectory(folder);
        var song = Path.Combine(folder, "tagged.wav");
        WriteWav(song, _catalogue.Songs[1].AsSpan(0, 6 * Rate).ToArray(), Rate);
        var sidecar = _dir.Combine("tags.csv");
        File.WriteAllLines(sidecar, ["id,title,artist,isrc", "tagged,Tagged,Band,gb-aye-06-01498"]);
        var data = _dir.Combine("tagged-data");
        Assert.Equal(0, CliRun.Invoke("catalog", "add", song, "--metadata", sidecar, "--data-dir", data).ExitCode);

        var again = CliRun.Invoke("catalog", "add", song, "--data-dir", data);

        Assert.True(again.ExitCode == 0, again.ToString());
        using var line = JsonDocument.Parse(Assert.Single(CliRun.Invoke("catalog", "list", "--data-dir", data).OutLines));
        Assert.Equal(("Tagged", "Band", "GBAYE0601498"), (line.RootElement.GetProperty("title").GetString(), line.RootElement.GetProperty("artist").GetString(), line.RootElement.GetProperty("isrc").GetString()));
    }

    [Fact]
    public void CatalogAdd_SilentFileAndUnusableName_EachRefusedAndTheRestAdded()
    {
        var folder = _dir.Combine("mixed");
        Directory.CreateDirectory(folder);
        WriteWav(Path.Combine(folder, "silence.wav"), new float[6 * Rate], Rate);
        WriteWav(Path.Combine(folder, "..wav"), _catalogue.Songs[2].AsSpan(0, 6 * Rate).ToArray(), Rate);
        WriteWav(Path.Combine(folder, "good.wav"), _catalogue.Songs[3].AsSpan(0, 6 * Rate).ToArray(), Rate);
        var data = _dir.Combine("mixed-data");

        var run = CliRun.Invoke("catalog", "add", folder, "--data-dir", data);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("silence.wav: no audible content", run.Error, StringComparison.Ordinal);
        Assert.Contains("the track id '.'", run.Error, StringComparison.Ordinal);
        Assert.Contains("\"track\":\"good\"", Assert.Single(CliRun.Invoke("catalog", "list", "--data-dir", data).OutLines), StringComparison.Ordinal);
    }

    [Fact]
    public void CatalogAdd_BadSidecar_FailsWithoutCreatingTheDataDirectory()
    {
        var folder = _dir.Combine("bad-isrc");
        Directory.CreateDirectory(folder);
        WriteWav(Path.Combine(folder, "song.wav"), _catalogue.Songs[4].AsSpan(0, 6 * Rate).ToArray(), Rate);
        File.WriteAllLines(Path.Combine(folder, "catalog.csv"), ["id,isrc", "song,not-an-isrc"]);
        var data = _dir.Combine("bad-isrc-data");

        var run = CliRun.Invoke("catalog", "add", folder, "--data-dir", data);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'not-an-isrc' is not an ISRC", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "nothing was changed, not even an empty store made");
    }

    [Fact]
    public void CatalogAdd_TwoFilesForOneId_NamesBothAndAddsNothing()
    {
        var folder = _dir.Combine("clash");
        Directory.CreateDirectory(Path.Combine(folder, "a"));
        Directory.CreateDirectory(Path.Combine(folder, "b"));
        WriteWav(Path.Combine(folder, "a", "song.wav"), _catalogue.Songs[4].AsSpan(0, 6 * Rate).ToArray(), Rate);
        WriteWav(Path.Combine(folder, "b", "song.wav"), _catalogue.Songs[5].AsSpan(0, 6 * Rate).ToArray(), Rate);

        // The folder given twice (itself and a subfolder) is not a clash; two files for one id are.
        var run = CliRun.Invoke("catalog", "add", folder, Path.Combine(folder, "a"), "--data-dir", _dir.Combine("clash-data"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(Path.Combine(folder, "a", "song.wav") + " and " + Path.Combine(folder, "b", "song.wav"), run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("catalog")]
    [InlineData("catalog", "frobnicate")]
    [InlineData("identify")]
    [InlineData("scan")]
    [InlineData("identify", "x.wav", "--bogus")]
    [InlineData("identify", "x.wav", "--data-dir")]
    public void Run_UsageMistake_ExitCode2WithoutStdout(params string[] args)
    {
        var run = CliRun.Invoke(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Out);
        Assert.StartsWith("error: ", run.Error, StringComparison.Ordinal);
    }

    internal static void WriteWav(string path, float[] samples, int sampleRate)
    {
        using var writer = new WaveFileWriter(path, new WaveFormat(sampleRate, 16, 1));
        writer.WriteSamples(samples, 0, samples.Length);
    }

    [Fact]
    public void CatalogOverlaps_TrackHoldingAnothersRecording_OneLinePerSideWithItsStretches()
    {
        // "remix" is song0's first 15 s, then song1's: each holds the other's recording at one place.
        var folder = _dir.Combine("overlapping");
        Directory.CreateDirectory(folder);
        WriteWav(Path.Combine(folder, "original.wav"), _catalogue.Songs[0], Rate);
        WriteWav(Path.Combine(folder, "remix.wav"), SyntheticMusic.Concat(SyntheticMusic.Slice(_catalogue.Songs[0], 0, 15), _catalogue.Songs[1]), Rate);
        WriteWav(Path.Combine(folder, "other.wav"), _catalogue.Songs[2], Rate);
        var data = _dir.Combine("overlapping-data");
        Assert.Equal(0, CliRun.Invoke("catalog", "add", folder, "--data-dir", data).ExitCode);

        var run = CliRun.Invoke("catalog", "overlaps", "--data-dir", data);

        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.OutLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["original shares remix", "remix shares original"],
            lines.Select(l => $"{l.GetProperty("track").GetString()} shares {l.GetProperty("shares").GetString()}"));
        Assert.All(lines, l => Assert.InRange(l.GetProperty("seconds").GetDouble(), 11, 15.5));
        var stretch = lines[1].GetProperty("stretches")[0];
        Assert.InRange(stretch.GetProperty("sharesStart").GetDouble() - stretch.GetProperty("start").GetDouble(), -0.1, 0.1);
        Assert.InRange(stretch.GetProperty("speed").GetDouble(), 0.995, 1.005);
        Assert.Equal(2, CliRun.Invoke("catalog", "overlaps", "extra", "--data-dir", data).ExitCode);
        Assert.Equal(2, CliRun.Invoke("catalog", "overlaps", "--speed-search", "maybe", "--data-dir", data).ExitCode);
    }

    private string AddSingleSong()
    {
        var folder = _dir.Combine("single");
        Directory.CreateDirectory(folder);
        WriteWav(Path.Combine(folder, "lonely.wav"), _catalogue.Songs[0].AsSpan(0, 6 * Rate).ToArray(), Rate);
        var data = _dir.Combine("single-data");
        var add = CliRun.Invoke("catalog", "add", folder, "--data-dir", data);
        Assert.True(add.ExitCode == 0, add.ToString());
        return data;
    }

    private static void AssertNear(double expected, double actual) => Assert.InRange(actual, expected - 1.5, expected + 1.5);
}
