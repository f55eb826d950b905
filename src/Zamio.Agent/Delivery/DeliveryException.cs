namespace Zamio.Agent.Delivery;

/// <summary>A packet was not confirmed; it stays in the spool and is tried again after a backoff.</summary>
public sealed class DeliveryException : Exception
{
    public DeliveryException()
    {
    }

    public DeliveryException(string message)
        : base(message)
    {
    }

    public DeliveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
