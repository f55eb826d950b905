using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Zamio.Agent.Capture;
using Zamio.Agent.Configuration;
using Zamio.Agent.Sources;
using Zamio.Agent.Status;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Agent.Tests;

/// <summary>
/// The capture loop's audio clock against a live source whose own clock runs slow, and against a wall clock that is
/// stepped or drifts, on a controlled clock.
/// </summary>
public sealed class CaptureClockTests
{
    private const int BlockSamples = FingerprintSettings.SampleRate / 10;

    [Fact]
    public async Task Capture_LiveSourceClockRunsSlow_StampsStayWithinTwoSecondsOfTheClock()
    {
        // 1 % slow: 0.1 s of audio every 0.101 s. Ten minutes of it, stamped by sample count alone, end 6 s behind.
        var run = await CaptureAsync(_ => TimeSpan.FromMilliseconds(101), TimeSpan.FromMinutes(10));

        Assert.InRange((run.Now - run.LastEnd).TotalSeconds, 0, 2.0);
        Assert.InRange(run.Skips, 1, 6);
    }

    [Fact]
    public async Task Capture_LiveSourceOnTimeButBursty_NeverSkips()
    {
        // On time overall, but every 50th block comes 1.5 s late and the ones after it catch up at once.
        var late = TimeSpan.FromSeconds(1.5);
        var run = await CaptureAsync(
            block => block % 50 == 0 ? TimeSpan.FromMilliseconds(100) + late : block % 50 <= 15 ? TimeSpan.FromMilliseconds(0) : TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMinutes(5));

        Assert.Equal(0, run.Skips);
        Assert.InRange((run.Now - run.LastEnd).TotalSeconds, 0, 1.6);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(-3)]
    public async Task Capture_WallClockSteppedByHours_NewStreamOnTheClockFromTheNextCheck(int hours)
    {
        // A device without a hardware clock boots with its last shutdown time; NTP steps the clock minutes later.
        const int stepBlock = 2100; // 3.5 min of on-time audio
        var run = await CaptureAsync(
            _ => TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMinutes(10),
            block => block == stepBlock ? TimeSpan.FromHours(hours) : TimeSpan.Zero);

        // The clock is checked once a minute.
        Assert.All(run.Errors.Skip(stepBlock + 610), error => Assert.InRange(error.TotalSeconds, -2.0, 2.0));
        Assert.Equal(2, run.Streams);
        Assert.Equal(0, run.Skips);
        Assert.Contains($"stamped {-hours * 3600:0.0} s off it is now stamped 0.0 s off", Assert.Single(run.StepsLogged), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Capture_WallClockSteppedWhileTheSourceReconnectsEvery40Seconds_NewStreamOnTheClockAtTheNextConnection()
    {
        // A stream server that drops its listeners every 40 s: the once-a-minute check starts over with each connection.
        const int stepBlock = 2100;
        const int reconnectEvery = 400;
        var run = await CaptureAsync(
            _ => TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMinutes(6),
            block => block == stepBlock ? TimeSpan.FromHours(-3) : TimeSpan.Zero,
            reconnectEvery);

        Assert.All(run.Errors.Skip(2400 + 30), error => Assert.InRange(error.TotalSeconds, -2.0, 2.0));
        Assert.Equal(2, run.Streams);
        Assert.Contains("stamped 10800.0 s off it is now stamped", Assert.Single(run.StepsLogged), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(-200)]
    public async Task Capture_WallClockDriftsFromTheMonotonicClock_FollowedInOneStream(int millisecondsPerMinute)
    {
        // A clock slewed against the monotonic one (Windows' time service does) is drift to follow, not a step to restart on.
        var run = await CaptureAsync(
            _ => TimeSpan.FromMilliseconds(100),
            TimeSpan.FromMinutes(15),
            block => block > 0 && block % 600 == 0 ? TimeSpan.FromMilliseconds(millisecondsPerMinute) : TimeSpan.Zero);

        Assert.Equal(1, run.Streams);
        Assert.Empty(run.StepsLogged);
        Assert.InRange((run.Now - run.LastEnd).TotalSeconds, -2.0, 2.0);
    }

    /// <summary>
    /// Runs the capture loop over a source that takes <paramref name="arrival"/> of clock time per block, while the wall
    /// clock (not the monotonic one) is stepped by <paramref name="wallStep"/> as each block arrives.
    /// </summary>
    private static async Task<CaptureRun> CaptureAsync(Func<long, TimeSpan> arrival, TimeSpan audio, Func<long, TimeSpan>? wallStep = null, long reconnectEvery = 0)
    {
        var clock = new SteppedClock(new DateTimeOffset(2026, 11, 29, 6, 0, 0, TimeSpan.Zero));
        var state = new AgentState();
        var source = new PacedSource(clock, state, arrival, wallStep ?? (_ => TimeSpan.Zero), (long)(audio.TotalSeconds * FingerprintSettings.SampleRate / BlockSamples), reconnectEvery);
        var channel = new AudioChannel();
        using var logs = new LogCapture();
        using var loggers = new LoggerFactory([logs]);
        using var capture = new CaptureService(source, channel, state, Options.Create(new AgentOptions()), clock, loggers.CreateLogger<CaptureService>());
        await capture.StartAsync(CancellationToken.None);

        var skips = 0;
        var streams = 0;
        var epoch = DateTimeOffset.MinValue;
        long expected = 0;
        var lastEnd = DateTimeOffset.MinValue;
        var errors = new List<TimeSpan>();
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

            if (block.EpochStart != epoch)
            {
                streams++;
                epoch = block.EpochStart;
                expected = 0;
            }

            skips += block.StartSample != expected ? 1 : 0;
            expected = block.StartSample + block.Count;
            lastEnd = block.EpochStart.AddTicks(expected * TimeSpan.TicksPerSecond / FingerprintSettings.SampleRate);
            // The source moves the clock only after this block is consumed: the clock reads the time it arrived.
            errors.Add(lastEnd - clock.GetUtcNow());
            System.Buffers.ArrayPool<float>.Shared.Return(block.Samples);
            source.Consumed();
        }

        await source.Ended.WaitAsync(timeout.Token);
        var now = clock.GetUtcNow();
        await capture.StopAsync(CancellationToken.None);
        return new CaptureRun(lastEnd, now, skips, streams, errors, [.. logs.Entries.Select(e => e.Message).Where(m => m.Contains("clock was stepped", StringComparison.Ordinal))]);
    }

    /// <param name="LastEnd">Where the last block ends on the audio clock.</param>
    /// <param name="Now">The wall clock when the source ended.</param>
    /// <param name="Skips">Jumps in the sample clock within a stream.</param>
    /// <param name="Streams">Epochs the blocks were stamped from.</param>
    /// <param name="Errors">Per block, its end on the audio clock less the wall clock when it arrived.</param>
    /// <param name="StepsLogged">What the capture loop said about wall clock steps.</param>
    private sealed record CaptureRun(DateTimeOffset LastEnd, DateTimeOffset Now, int Skips, int Streams, IReadOnlyList<TimeSpan> Errors, IReadOnlyList<string> StepsLogged);

    /// <summary>A fake clock whose wall clock can be stepped apart from its monotonic clock, as NTP steps a real one.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private long _stepTicks;

        public void StepWall(TimeSpan step) => Interlocked.Add(ref _stepTicks, step.Ticks);

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _stepTicks));

        // The fake's own timestamp reads GetUtcNow, steps included; a monotonic clock never follows a step.
        public override long GetTimestamp() => base.GetUtcNow().Ticks;
    }

    /// <summary>
    /// A live input that hands out one block at a time (each only after the previous was consumed or dropped for running
    /// ahead of the clock, so the channel never overflows), moves the clock by its arrival time and steps the wall clock
    /// as asked; its input ends after every <c>reconnectEvery</c> blocks (0: never) and opens again at once; after
    /// <c>blocks</c> it ends and never opens again.
    /// </summary>
    private sealed class PacedSource(SteppedClock clock, AgentState state, Func<long, TimeSpan> arrival, Func<long, TimeSpan> wallStep, long blocks, long reconnectEvery) : IAudioSource, IAudioInput
    {
        private readonly SemaphoreSlim _consumed = new(1, 1);
        private long _dropped;
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _served;
        private long _endedAt = -1;

        public Task Ended => _ended.Task;

        public string Description => "paced test source";

        public bool IsLive => true;

        public string? Hint => null;

        public void Consumed() => _consumed.Release();

        public async Task<IAudioInput> OpenAsync(CancellationToken cancellationToken)
        {
            if (_served == blocks)
            {
                _ended.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return this;
        }

        public int Read(Span<float> buffer)
        {
            if (_served == blocks || (reconnectEvery > 0 && _served > 0 && _served % reconnectEvery == 0 && _endedAt != _served))
            {
                _endedAt = _served;
                return 0;
            }

            // The capture loop counts a dropped block before it reads the next one; nobody will consume it.
            var dropped = state.DroppedAudioSamples;
            if (dropped == _dropped)
            {
                _consumed.Wait();
            }

            _dropped = dropped;
            clock.Advance(arrival(_served));
            clock.StepWall(wallStep(_served++));
            buffer[..BlockSamples].Fill(0.1f);
            return BlockSamples;
        }

        public void Dispose()
        {
        }
    }
}
