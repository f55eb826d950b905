namespace Zamio.Agent.Spool;

/// <summary>Where and how much the spool stores.</summary>
public sealed record SpoolSettings(string Directory, long MaxBytes)
{
    /// <summary>Small enough that dropping the oldest segment loses little, large enough to keep file counts low.</summary>
    public long SegmentBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// How often appended data and the ack cursor are forced to disk. Every append reaches the OS at once, which is
    /// all a process crash or kill -9 needs; this only bounds what a power cut can take.
    /// </summary>
    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Sequence numbers reserved durably ahead of use, so a power cut never leads to a number being reused.</summary>
    public ulong SequenceReservation { get; init; } = 4096;

    /// <summary>Opens a segment for appending; replaced in tests to make writes fail as a full disk does.</summary>
    internal Func<string, FileStream> OpenSegment { get; init; } =
        path => new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);
}
