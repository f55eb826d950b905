using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Agent.Capture;
using Zamio.Agent.Configuration;
using Zamio.Agent.Sources;
using Zamio.Agent.Status;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Agent.Tests;

/// <summary>The capture loop's audio clock against a live source whose own clock runs slow, on a controlled clock.</summary>
public sealed class CaptureClockTests
{
    private const int BlockSamples = FingerprintSettings.SampleRate / 10;

    [Fact]
    public async Task Capture_LiveSourceClockRunsSlow_StampsStayWithinTwoSecondsOfTheClock()
    {
        // 1 % slow: 0.1 s of audio every 0.101 s. Ten minutes of it, stamped by sample count alone, end 6 s behind.
        var (lastEnd, now, skips) = await CaptureAsync(_ => TimeSpan.FromMilliseconds(101), TimeSpan.FromMinutes(10));

        Assert.InRange((now - lastEnd).TotalSeconds, 0, 2.0);
        Assert.InRange(skips, 1, 6);
    }

    [Fact]
    public async Task Capture_LiveSourceOnTimeButBursty_NeverSkips()
    {
        // On time overall, but every 50th block comes 1.5 s late and the ones after it catch up at once.
        var late = TimeSpan.FromSeconds(1.5);
        var (lastEnd, now, skips) = await CaptureAsync(
            block => block % 50 == 0 ? TimeSpan.FromMilliseconds(100) + late : block % 50 <= 15 ? TimeSpan.FromMilliseconds(0) : TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMinutes(5));

        Assert.Equal(0, skips);
        Assert.InRange((now - lastEnd).TotalSeconds, 0, 1.6);
    }

    /// <summary>Runs the capture loop over a source that takes <paramref name="arrival"/> of clock time per block.</summary>
    private static async Task<(DateTimeOffset LastEnd, DateTimeOffset Now, int Skips)> CaptureAsync(Func<long, TimeSpan> arrival, TimeSpan audio)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 29, 6, 0, 0, TimeSpan.Zero));
        var source = new PacedSource(clock, arrival, (long)(audio.TotalSeconds * FingerprintSettings.SampleRate / BlockSamples));
        var channel = new AudioChannel();
        using var capture = new CaptureService(source, channel, new AgentState(), Options.Create(new AgentOptions()), clock, NullLogger<CaptureService>.Instance);
        await capture.StartAsync(CancellationToken.None);

        var skips = 0;
        long expected = 0;
        var lastEnd = DateTimeOffset.MinValue;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Every block is in the channel before the source ends (its end is only seen when reopening).
        var reader = channel.Channel.Reader;
        while (!source.Ended.IsCompleted || reader.Count > 0)
        {
            if (!reader.TryRead(out var block))
            {
                await Task.WhenAny(reader.WaitToReadAsync(timeout.Token).AsTask(), source.Ended).WaitAsync(timeout.Token);
                continue;
            }

            skips += block.StartSample != expected ? 1 : 0;
            expected = block.StartSample + block.Count;
            lastEnd = block.EpochStart.AddTicks(expected * TimeSpan.TicksPerSecond / FingerprintSettings.SampleRate);
            System.Buffers.ArrayPool<float>.Shared.Return(block.Samples);
            source.Consumed();
        }

        await source.Ended.WaitAsync(timeout.Token);
        var now = clock.GetUtcNow();
        await capture.StopAsync(CancellationToken.None);
        return (lastEnd, now, skips);
    }

    /// <summary>
    /// A live input that hands out one block at a time (each only after the previous was consumed, so none is dropped)
    /// and moves the clock by its arrival time; after <c>blocks</c> it ends and never opens again.
    /// </summary>
    private sealed class PacedSource(FakeTimeProvider clock, Func<long, TimeSpan> arrival, long blocks) : IAudioSource, IAudioInput
    {
        private readonly SemaphoreSlim _consumed = new(1, 1);
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _served;
        private bool _opened;

        public Task Ended => _ended.Task;

        public string Description => "paced test source";

        public bool IsLive => true;

        public string? Hint => null;

        public void Consumed() => _consumed.Release();

        public async Task<IAudioInput> OpenAsync(CancellationToken cancellationToken)
        {
            if (_opened)
            {
                _ended.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            _opened = true;
            return this;
        }

        public int Read(Span<float> buffer)
        {
            if (_served == blocks)
            {
                return 0;
            }

            _consumed.Wait();
            clock.Advance(arrival(_served++));
            buffer[..BlockSamples].Fill(0.1f);
            return BlockSamples;
        }

        public void Dispose()
        {
        }
    }
}
