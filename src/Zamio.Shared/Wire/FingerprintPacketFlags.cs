namespace Zamio.Shared.Wire;

/// <summary>Per-packet conditions the agent observed. Undefined bits are rejected: new flags need a new format version.</summary>
[Flags]
public enum FingerprintPacketFlags : byte
{
    None = 0,

    /// <summary>The audio in this packet was (near) silent: dead air, so an empty peak list is expected.</summary>
    Silence = 1 << 0,

    /// <summary>Audio was lost between the previous packet and this one (capture overrun, stream reconnect).</summary>
    GapBefore = 1 << 1,

    /// <summary>All bits defined by format version 1.</summary>
    All = Silence | GapBefore,
}
