namespace Zamio.Agent.Configuration;

/// <summary>How fast a file source is replayed.</summary>
public enum Pace
{
    Realtime,
    Fast,
}
