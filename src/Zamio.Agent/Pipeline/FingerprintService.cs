using System.Buffers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zamio.Agent.Capture;
using Zamio.Agent.Configuration;
using Zamio.Agent.Hosting;
using Zamio.Agent.Spool;
using Zamio.Agent.Status;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Wire;

namespace Zamio.Agent.Pipeline;

/// <summary>
/// The fingerprint loop: audio blocks in, packets appended to the spool (which numbers them) out. Also tracks the
/// audio level and dead air (silent packets for longer than the configured time).
/// </summary>
public sealed partial class FingerprintService(
    AudioChannel channel,
    PacketSpool spool,
    AgentState state,
    RunCompletion completion,
    IOptions<AgentOptions> options,
    ILogger<FingerprintService> logger) : BackgroundService
{
    private double _silentSeconds;
    private bool _deadAir;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var settings = options.Value;
        PacketAssembler? assembler = null;
        var epoch = default(DateTimeOffset);
        try
        {
            await foreach (var block in channel.Channel.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    if (assembler is null || block.EpochStart != epoch)
                    {
                        // A new stream (capture found the wall clock stepped): the old one's last frames go out under
                        // its own epoch first.
                        assembler?.Complete();
                        epoch = block.EpochStart;
                        assembler = new PacketAssembler(epoch, settings.PacketSeconds, settings.SilenceThresholdDbfs, draft => Store(draft, settings));
                    }

                    assembler.Write(block.StartSample, block.Samples.AsSpan(0, block.Count));
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(block.Samples);
                }
            }

            // The capture loop completed the channel: the input is finished.
            assembler?.Complete();
            spool.Sync();
            completion.MarkProductionComplete();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still held back in the extractor is less than one packet of audio.
        }
    }

    private void Store(PacketDraft draft, AgentOptions settings)
    {
        // A packet the disk refused is counted by the spool; level and dead air still follow the audio.
        var sequence = spool.Append(seq => draft.Encode(settings.StationId, seq));
        if (sequence is not null && (draft.Flags & FingerprintPacketFlags.GapBefore) != 0)
        {
            LogGap(logger, sequence.Value);
        }

        var seconds = draft.FrameCount / FingerprintSettings.FramesPerSecond;
        _silentSeconds = (draft.Flags & FingerprintPacketFlags.Silence) != 0 ? _silentSeconds + seconds : 0;
        var deadAir = _silentSeconds > settings.DeadAirSeconds;
        if (deadAir != _deadAir)
        {
            _deadAir = deadAir;
            if (deadAir)
            {
                LogDeadAir(logger, _silentSeconds);
            }
            else
            {
                LogAudioBack(logger);
            }
        }

        state.SetLevel(draft.LevelDbfs, deadAir);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gap in the audio before packet {Sequence} (source reconnect, overrun, or a slow source clock caught up)")]
    private static partial void LogGap(ILogger logger, ulong sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead air: silent for {Seconds:0} s")]
    private static partial void LogDeadAir(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Audio is back after dead air")]
    private static partial void LogAudioBack(ILogger logger);
}
