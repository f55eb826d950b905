using System.Diagnostics;
using System.Numerics;
using Zamio.Shared.Audio;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Perf;

/// <summary>
/// <c>extract</c>: single-thread fingerprint extraction speed from decoded PCM, next to two baselines measured in
/// the same process on the same frames (copy + Hann window; an FftSharp-based log-power spectrum).
/// </summary>
internal static class ExtractBench
{
    private const string DefaultInput = "bench-data/main/programmes/p01-clean.wav";
    private const int Fft = FingerprintSettings.FftSize;
    private const int Hop = FingerprintSettings.HopSize;

    public static int Run(Options options, string[] args)
    {
        var input = options.String("input");
        var seconds = options.Double("seconds", 0);
        var runs = options.Int("runs", 5);
        var warmups = options.Int("warmups", 2);
        var block = options.Int("block", 4096);
        options.EnsureAllUsed();

        const int rate = FingerprintSettings.SampleRate;
        string source;
        float[] samples;
        if (input is null && File.Exists(DefaultInput))
        {
            input = DefaultInput;
        }

        var decodeWatch = Stopwatch.StartNew();
        if (input is not null)
        {
            samples = AudioDecoder.DecodeAll(input, rate);
            source = $"`{input}` decoded to 8 kHz mono with AudioDecoder.DecodeAll (decode took {Format.F(decodeWatch.Elapsed.TotalSeconds, 1)} s, not timed below)";
        }
        else
        {
            samples = SyntheticAudio.Chords(seconds > 0 ? seconds : 300, rate, seed: 1);
            source = "synthetic chords + noise bursts (seed 1)";
        }

        if (seconds > 0 && samples.Length > seconds * rate)
        {
            Array.Resize(ref samples, (int)(seconds * rate));
        }

        var audioSeconds = samples.Length / (double)rate;
        var frames = ((samples.Length - Fft) / Hop) + 1;

        var window = new float[Fft];
        for (var i = 0; i < Fft; i++)
        {
            window[i] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / Fft)));
        }

        var output = new List<Peak>((int)(audioSeconds * 40) + 1024);
        var support = new List<Peak>((int)(audioSeconds * 200) + 1024);
        var windowed = new float[Fft];
        var complex = new Complex[Fft];
        var spectrum = new float[FrameAnalyzer.BinCount];

        // Rounds interleave the stages so that load from other processes hits all of them alike.
        Func<long>[] stages =
        [
            () => Streaming(samples, output, block),
            () => Streaming(samples, output, block, support),
            () => PeakExtractor.Extract(samples).Length,
            () => CopyAndWindow(samples, window, windowed),
            () => FftSharpSpectrum(samples, window, complex, spectrum),
        ];
        var (wall, cpu) = Time(runs, warmups, stages);
        _ = Streaming(samples, output, block, support);
        var peaks = output.Count;

        var steadyAlloc = SteadyStateAllocation(samples, block, out var steadySeconds);
        var before = GC.GetAllocatedBytesForCurrentThread();
        _ = PeakExtractor.Extract(samples);
        var staticAlloc = GC.GetAllocatedBytesForCurrentThread() - before;

        Machine.PrintHeader(args);
        Console.WriteLine($"Input: {source}; {Format.F(audioSeconds, 1)} s of audio, {Format.N(frames)} frames of {Fft} samples, hop {Hop}. " +
            $"Single thread; {warmups} warm-up runs then median of {runs}.");
        Console.WriteLine();
        Console.WriteLine("| Stage (one thread, same audio) | Median wall (s) | Min wall (s) | Median CPU (s) | × real time (median wall) | × real time (min wall) | × real time (median CPU) | Time vs FftSharp spectrum only (median CPU) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        var fftCpu = Format.Median(cpu[^1]);
        string[] names =
        [
            $"Zamio PeakExtractor.Write, {block}-sample blocks (spectrum + landmark picking)",
            $"Zamio PeakExtractor.Write with support peaks (what the agent runs), {block}-sample blocks",
            "Zamio PeakExtractor.Extract, whole buffer",
            "Baseline: copy + Hann window only",
            "Baseline: FftSharp spectrum only (Hann, FFT.Forward on 1024 complex, log power bins 38-460)",
        ];
        for (var s = 0; s < stages.Length; s++)
        {
            var medianWall = Format.Median(wall[s]);
            var medianCpu = Format.Median(cpu[s]);
            Console.WriteLine($"| {names[s]} | {Format.F(medianWall, 3)} | {Format.F(wall[s].Min(), 3)} | {Format.F(medianCpu, 3)} | " +
                $"{Format.N((long)(audioSeconds / medianWall))}× | {Format.N((long)(audioSeconds / wall[s].Min()))}× | " +
                $"{Format.N((long)(audioSeconds / medianCpu))}× | {Format.F(medianCpu / fftCpu, 3)} |");
        }

        Console.WriteLine();
        Console.WriteLine("| Output and allocation | Value |");
        Console.WriteLine("|---|---:|");
        Console.WriteLine($"| Peaks | {Format.N(peaks)} |");
        Console.WriteLine($"| Peaks per second of audio | {Format.F(peaks / audioSeconds, 1)} |");
        Console.WriteLine($"| Support peaks per second of audio | {Format.F(support.Count / audioSeconds, 1)} |");
        Console.WriteLine($"| Peaks per second of processing (streaming, median CPU time) | {Format.N((long)(peaks / Format.Median(cpu[0])))} |");
        Console.WriteLine($"| Allocated per second of audio, steady state (Write, {block}-sample blocks, output list reused, {Format.F(steadySeconds, 0)} s measured after 10 s) | {Format.F(steadyAlloc / steadySeconds, 1)} B |");
        Console.WriteLine($"| Allocated per second of audio, PeakExtractor.Extract (includes its list and result array) | {Format.F(staticAlloc / audioSeconds, 1)} B |");
        Console.WriteLine();
        Machine.PrintFooter();
        Console.WriteLine();
        return 0;
    }

    /// <summary>Wall-clock and process CPU seconds of each stage per round, after warm-up rounds.</summary>
    private static (List<double>[] Wall, List<double>[] Cpu) Time(int runs, int warmups, Func<long>[] stages)
    {
        long sink = 0;
        for (var i = 0; i < warmups; i++)
        {
            foreach (var stage in stages)
            {
                sink += stage();
            }
        }

        var wall = stages.Select(_ => new List<double>(runs)).ToArray();
        var cpu = stages.Select(_ => new List<double>(runs)).ToArray();
        for (var r = 0; r < runs; r++)
        {
            for (var s = 0; s < stages.Length; s++)
            {
                var cpu0 = Machine.ProcessCpu();
                var sw = Stopwatch.StartNew();
                sink += stages[s]();
                wall[s].Add(sw.Elapsed.TotalSeconds);
                cpu[s].Add((Machine.ProcessCpu() - cpu0).TotalSeconds);
            }
        }

        GC.KeepAlive(sink);
        return (wall, cpu);
    }

    private static long Streaming(float[] samples, List<Peak> output, int block, List<Peak>? support = null)
    {
        output.Clear();
        support?.Clear();
        var extractor = new PeakExtractor(withSupport: support is not null);
        for (var i = 0; i < samples.Length; i += block)
        {
            extractor.Write(samples.AsSpan(i, Math.Min(block, samples.Length - i)), output, support);
        }

        extractor.Flush(output, support);
        return output.Count + (support?.Count ?? 0);
    }

    /// <summary>Bytes allocated by a warmed-up extractor fed in blocks, the output list cleared after each block.</summary>
    private static long SteadyStateAllocation(float[] samples, int block, out double measuredSeconds)
    {
        var extractor = new PeakExtractor();
        var output = new List<Peak>(4096);
        var warm = Math.Min(samples.Length / 2, FingerprintSettings.SampleRate * 10);
        extractor.Write(samples.AsSpan(0, warm), output);
        output.Clear();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = warm; i < samples.Length; i += block)
        {
            extractor.Write(samples.AsSpan(i, Math.Min(block, samples.Length - i)), output);
            output.Clear();
        }

        measuredSeconds = (samples.Length - warm) / (double)FingerprintSettings.SampleRate;
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static long CopyAndWindow(float[] samples, float[] window, float[] windowed)
    {
        float acc = 0;
        for (var start = 0; start + Fft <= samples.Length; start += Hop)
        {
            var frame = samples.AsSpan(start, Fft);
            for (var i = 0; i < Fft; i++)
            {
                windowed[i] = frame[i] * window[i];
            }

            acc += windowed[Fft / 2];
        }

        return (long)acc;
    }

    private static long FftSharpSpectrum(float[] samples, float[] window, Complex[] buffer, float[] spectrum)
    {
        float acc = 0;
        for (var start = 0; start + Fft <= samples.Length; start += Hop)
        {
            var frame = samples.AsSpan(start, Fft);
            for (var i = 0; i < Fft; i++)
            {
                buffer[i] = new Complex(frame[i] * window[i], 0);
            }

            FftSharp.FFT.Forward(buffer.AsSpan());
            for (var b = FrameAnalyzer.MinBin; b < FrameAnalyzer.MaxBin; b++)
            {
                var c = buffer[b];
                spectrum[b - FrameAnalyzer.MinBin] = MathF.Log((float)((c.Real * c.Real) + (c.Imaginary * c.Imaginary)) + 1e-9f);
            }

            acc += spectrum[0];
        }

        return (long)acc;
    }
}
