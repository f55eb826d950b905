namespace Zamio.Agent.Sources;

/// <summary>A source that cannot be opened or failed while running; the message is meant for the operator.</summary>
public sealed class SourceUnavailableException : Exception
{
    public SourceUnavailableException()
    {
    }

    public SourceUnavailableException(string message)
        : base(message)
    {
    }

    public SourceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
