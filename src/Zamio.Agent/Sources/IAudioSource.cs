namespace Zamio.Agent.Sources;

/// <summary>Where audio comes from. Opening may fail (<see cref="SourceUnavailableException"/>); the caller retries.</summary>
public interface IAudioSource
{
    /// <summary>For logs and status, without secrets.</summary>
    string Description { get; }

    /// <summary>Live sources run forever (end of input means reconnect); a file source ends.</summary>
    bool IsLive { get; }

    Task<IAudioInput> OpenAsync(CancellationToken cancellationToken);
}

/// <summary>An opened source: mono float samples at 8 kHz.</summary>
public interface IAudioInput : IDisposable
{
    /// <summary>Blocks until samples are available; 0 means the input ended (or was cancelled through disposal).</summary>
    int Read(Span<float> buffer);

    /// <summary>Latest metadata the source announced (an Icecast StreamTitle), if any.</summary>
    string? Hint { get; }
}
