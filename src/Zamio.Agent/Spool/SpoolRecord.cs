namespace Zamio.Agent.Spool;

/// <summary>One spooled packet: its sequence number and the exact bytes to publish.</summary>
public readonly record struct SpoolRecord(ulong Sequence, byte[] Payload);
