namespace Zamio.Shared.Wire;

/// <summary>Raised when bytes received from the network are not a valid packet. The message says why.</summary>
public sealed class WirePacketException : Exception
{
    public WirePacketException()
    {
    }

    public WirePacketException(string message)
        : base(message)
    {
    }

    public WirePacketException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
