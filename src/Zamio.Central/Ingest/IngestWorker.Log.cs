namespace Zamio.Central.Ingest;

internal sealed partial class IngestWorker
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Station {Station}: {Count} row(s) of play(s) another session left ongoing written closed or carried on")]
    private static partial void LogOrphansClosed(ILogger logger, string station, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station}: plays left ongoing by an earlier session could not be read")]
    private static partial void LogOrphansUnavailable(ILogger logger, string station, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stations cannot be checked in the store (first: {Station}); stations listed at the last read are accepted until it answers")]
    private static partial void LogStationCheckUnavailable(ILogger logger, string station, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Packet from {Station} rejected: {Reason} (logged once per station and reason)")]
    private static partial void LogRejected(ILogger logger, string station, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} is over its rate limit ({Reason}); packets dropped (logged once per station)")]
    private static partial void LogRateLimited(ILogger logger, string station, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ingest of a packet from {Station} failed")]
    private static partial void LogProcessingFailed(ILogger logger, Exception exception, string station);

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {Station} sent nothing for {Seconds} s: {Count} ongoing play(s) closed at their last evidence")]
    private static partial void LogIdleClosed(ILogger logger, string station, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station} was removed: session ended, {Count} ongoing play(s) closed at their last evidence; its packets are refused from now on")]
    private static partial void LogRevoked(ILogger logger, string station, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Ending the session of removed station {Station} failed")]
    private static partial void LogRevokeFailed(ILogger logger, Exception exception, string station);

    [LoggerMessage(Level = LogLevel.Error, Message = "Closing the plays of idle stations failed")]
    private static partial void LogIdleCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Station {Station}: packets of an older stream (captured from {CaptureStart:O}) arrive while a newer one is live; counted as duplicates (a second agent with this station's key?)")]
    private static partial void LogOlderStream(ILogger logger, string station, DateTimeOffset captureStart);

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {Station} started a new stream (captured from {CaptureStart:O}): new session")]
    private static partial void LogNewStream(ILogger logger, string station, DateTimeOffset captureStart);

    [LoggerMessage(Level = LogLevel.Information, Message = "Station {Station}: {Track} {Status} from {Start:O}")]
    private static partial void LogPlay(ILogger logger, string station, string track, string status, DateTimeOffset start);
}
