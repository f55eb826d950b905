using System.Buffers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Zamio.Agent.Configuration;
using Zamio.Agent.Hosting;
using Zamio.Agent.Sources;
using Zamio.Agent.Status;
using Zamio.Shared.Fingerprinting;

namespace Zamio.Agent.Capture;

/// <summary>
/// The capture loop: opens the source (retrying with backoff), reads blocks, stamps them on the audio clock and
/// hands them to fingerprinting. Live sources never block on the hand-off: a full channel drops audio (counted)
/// instead of overrunning the sound card. File sources wait instead and end the run when done.
/// </summary>
public sealed partial class CaptureService(
    IAudioSource source,
    AudioChannel channel,
    AgentState state,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<CaptureService> logger) : BackgroundService
{
    private const int BlockSamples = FingerprintSettings.SampleRate / 10;

    // A live input that ran this long was healthy: its failure starts backoff afresh.
    private static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(30);

    // A live source's audio is stamped by its sample count from the epoch; audio arriving faster than real time
    // would run that clock ahead of the wall clock for good (an Icecast server's burst of past audio on every
    // connection added its length to every later play, and a source that is not live at all ran minutes ahead).
    private const long AheadLimitSamples = 2 * FingerprintSettings.SampleRate;

    // The opposite drift: a live source whose clock runs slow (a sound card 50 ppm slow loses 4 s a day) falls behind
    // the wall clock for good, and every later play is stamped that late. The least lag over a minute is drift, not
    // the jitter of buffers and networks; past a second the audio clock skips ahead by it (a gap, no audio lost).
    private const long BehindLimitSamples = FingerprintSettings.SampleRate;
    private static readonly TimeSpan LagWindow = TimeSpan.FromMinutes(1);

    // The audio clock runs on the monotonic clock from the epoch, read once from the wall clock, which can be stepped
    // later: NTP sets a device without a hardware clock hours or days forward, or back from a clock that was fast. Once a
    // minute the two are compared; past this a new stream starts on the wall clock. Less is drift (a clock slewed against
    // the monotonic one) or a small step, followed as a source clock's drift is: a skip ahead past 1 s behind, audio
    // dropped past 2 s ahead.
    private static readonly TimeSpan ClockStepLimit = TimeSpan.FromSeconds(2);

    private DateTimeOffset? _epoch;
    private long _leastLag;
    private long _lagWindowStart;
    private long _nextSample;
    private long _epochTimestamp;
    private long _droppedAhead;
    private bool _catchingUp;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        // A file is what the operator asked to process: if it cannot be read the run fails rather than retrying.
        var retry = Backoff.Forever(
            ex => ex is SourceUnavailableException && source.IsLive,
            time,
            TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(settings.MaxBackoffSeconds),
            (ex, delay, attempt) =>
            {
                state.CaptureFailed(ex.Message);
                LogSourceFailed(logger, ex.Message, attempt, delay.TotalSeconds);
            });

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var finished = await retry.ExecuteAsync(ct => RunOnceAsync(settings, ct), stoppingToken).ConfigureAwait(false);
                if (finished)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (SourceUnavailableException ex)
        {
            // Only a file source gets here: its input is what the operator asked for, so the run fails.
            state.CaptureFailed(ex.Message);
            LogFileFailed(logger, ex.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            channel.Channel.Writer.TryComplete();
        }
    }

    /// <summary>Opens and reads until the input ends. True when the run is over (file done); throws to back off.</summary>
    private async ValueTask<bool> RunOnceAsync(AgentOptions settings, CancellationToken cancellationToken)
    {
        var input = await source.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var disposeOnCancel = cancellationToken.Register(input.Dispose);
        using (input)
        {
            var now = time.GetUtcNow();
            if (_epoch is null)
            {
                _epoch = source.IsLive ? now : settings.ParsedStartTime ?? now;
                _epochTimestamp = time.GetTimestamp();
            }
            else if (source.IsLive)
            {
                // Checked here too: a source that reconnects more often than the once-a-minute check would never have it.
                FollowWallClock(0);
                // Audio between the failure and now is lost; the jump in the sample clock records the gap.
                _nextSample = Math.Max(_nextSample, WallSamples());
            }

            LogOpened(logger, source.Description);
            _droppedAhead = 0;
            // A new connection starts on the clock: a server's burst of past audio is dropped whole, not its first 2 s
            // kept under the wrong time.
            _catchingUp = source.IsLive;
            var opened = time.GetTimestamp();
            _leastLag = long.MaxValue;
            _lagWindowStart = opened;
            var pace = !source.IsLive && settings.ParsedPace == Pace.Realtime;
            try
            {
                await PumpAsync(input, pace, cancellationToken).ConfigureAwait(false);
            }
            catch (SourceUnavailableException ex) when (source.IsLive && time.GetElapsedTime(opened) >= HealthyRun)
            {
                state.CaptureFailed(ex.Message);
                LogSourceLost(logger, ex.Message);
                return false;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (!source.IsLive)
            {
                LogFileDone(logger, source.Description, _nextSample / (double)FingerprintSettings.SampleRate);
                return true;
            }

            var message = $"{source.Description}: input ended";
            if (time.GetElapsedTime(opened) < HealthyRun)
            {
                throw new SourceUnavailableException(message);
            }

            state.CaptureFailed(message);
            LogSourceLost(logger, message);
            return false;
        }
    }

    private async Task PumpAsync(IAudioInput input, bool pace, CancellationToken cancellationToken)
    {
        var writer = channel.Channel.Writer;
        string? hint = null;
        while (true)
        {
            var buffer = ArrayPool<float>.Shared.Rent(BlockSamples);
            var read = input.Read(buffer.AsSpan(0, BlockSamples));
            if (read == 0)
            {
                ArrayPool<float>.Shared.Return(buffer);
                return;
            }

            if (pace)
            {
                var due = TimeSpan.FromSeconds(_nextSample / (double)FingerprintSettings.SampleRate) - time.GetElapsedTime(_epochTimestamp);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, cancellationToken).ConfigureAwait(false);
                }
            }

            // A connection starts on the clock, and a source that gets more than 2 s ahead is brought back to it: audio
            // is dropped until the clock is reached (a server's burst of past audio on connecting is dropped whole, a
            // source clock running fast loses 2 s now and then).
            var wall = source.IsLive ? WallSamples() : 0;
            if (source.IsLive)
            {
                _catchingUp = _nextSample + read > wall + (_catchingUp ? 0 : AheadLimitSamples);
            }

            if (_catchingUp)
            {
                // Dropped and counted: older audio a server sends in a burst, or a source faster than real time.
                ArrayPool<float>.Shared.Return(buffer);
                state.AudioDropped(read);
                // Said once a connection has lost a second this way (a block or two while it starts is routine).
                var before = _droppedAhead;
                _droppedAhead += read;
                if (before < FingerprintSettings.SampleRate && _droppedAhead >= FingerprintSettings.SampleRate)
                {
                    LogAhead(logger, source.Description);
                }

                continue;
            }

            if (source.IsLive)
            {
                KeepUp(wall, read);
            }

            var block = new AudioBlock(_epoch!.Value, _nextSample, buffer, read);
            _nextSample += read;
            if (!source.IsLive)
            {
                await writer.WriteAsync(block, cancellationToken).ConfigureAwait(false);
            }
            else if (!writer.TryWrite(block))
            {
                ArrayPool<float>.Shared.Return(buffer);
                state.AudioDropped(read);
            }

            // Stations repeat the title in every metadata block; log and report changes only.
            if (!string.Equals(hint, input.Hint, StringComparison.Ordinal))
            {
                hint = input.Hint;
                state.SetStreamTitle(hint);
                LogTitle(logger, hint);
            }
        }
    }

    private void KeepUp(long wall, int read)
    {
        _leastLag = Math.Min(_leastLag, wall - (_nextSample + read));
        if (time.GetElapsedTime(_lagWindowStart) < LagWindow)
        {
            return;
        }

        if (_leastLag > BehindLimitSamples)
        {
            _nextSample += _leastLag;
            LogBehind(logger, source.Description, _leastLag / (double)FingerprintSettings.SampleRate);
        }

        FollowWallClock(read);
        _leastLag = long.MaxValue;
        _lagWindowStart = time.GetTimestamp();
    }

    private void FollowWallClock(int read)
    {
        var now = time.GetUtcNow();
        var elapsed = time.GetElapsedTime(_epochTimestamp);
        var step = now - (_epoch!.Value + elapsed);
        if (step.Duration() <= ClockStepLimit)
        {
            // The clock the audio is kept up with moves by the step; KeepUp brings the audio to it.
            _epochTimestamp -= Timestamp(step);
            return;
        }

        // Central takes a new stream start with frames from zero for a restarted agent. The audio keeps its lag behind
        // the monotonic clock: only the wall clock moved.
        var streamed = Duration(_nextSample);
        var lag = elapsed - streamed;
        var inHand = Duration(read);
        var oldOffset = _epoch.Value + streamed + inHand - now;
        _epoch = now - lag;
        _epochTimestamp += Timestamp(streamed);
        _nextSample = 0;
        LogClockStepped(logger, oldOffset.TotalSeconds, (inHand - lag).TotalSeconds, _epoch.Value);
    }

    private static TimeSpan Duration(long samples) => TimeSpan.FromSeconds(samples / (double)FingerprintSettings.SampleRate);

    private long Timestamp(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    // Monotonic: a wall clock stepped back at boot must not read as audio running ahead.
    private long WallSamples() => (long)(time.GetElapsedTime(_epochTimestamp).TotalSeconds * FingerprintSettings.SampleRate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} delivers audio ahead of the clock (a burst of past audio on connecting, a source clock running fast, or a source that is not live): audio is dropped until it is back on time")]
    private static partial void LogAhead(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} delivers audio behind the clock (its clock runs slow, or audio was lost on the way): the audio clock skips {Seconds:0.0} s ahead to keep plays on time")]
    private static partial void LogBehind(ILogger logger, string source, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The wall clock was stepped: audio stamped {OldOffsetSeconds:0.0} s off it is now stamped {NewOffsetSeconds:0.0} s off, in a new stream from {StreamStart:O} (on a device without a hardware clock, start the agent after time sync)")]
    private static partial void LogClockStepped(ILogger logger, double oldOffsetSeconds, double newOffsetSeconds, DateTimeOffset streamStart);

    [LoggerMessage(Level = LogLevel.Information, Message = "Capturing from {Source}")]
    private static partial void LogOpened(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audio source unavailable: {Reason}; attempt {Attempt}, retrying in {DelaySeconds:0.0} s")]
    private static partial void LogSourceFailed(ILogger logger, string reason, int attempt, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audio source lost: {Reason}; reconnecting")]
    private static partial void LogSourceLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "File source failed: {Reason}")]
    private static partial void LogFileFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Finished {Source}: {Seconds:0.0} s of audio")]
    private static partial void LogFileDone(ILogger logger, string source, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream title: {Title}")]
    private static partial void LogTitle(ILogger logger, string? title);
}
