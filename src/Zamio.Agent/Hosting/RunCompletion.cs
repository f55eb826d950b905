namespace Zamio.Agent.Hosting;

/// <summary>
/// Tracks the end of a finite (file) source: once the last packet is produced and delivered, the agent stops.
/// </summary>
public sealed class RunCompletion
{
    private int _produced;
    private readonly TaskCompletionSource _delivered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>No more packets will be produced.</summary>
    public bool ProductionComplete => Volatile.Read(ref _produced) != 0;

    /// <summary>Completes once everything produced has been delivered (for tests and the stop logic).</summary>
    public Task AllDelivered => _delivered.Task;

    public event Action? Completed;

    public void MarkProductionComplete()
    {
        Volatile.Write(ref _produced, 1);
        Completed?.Invoke();
    }

    public void MarkAllDelivered() => _delivered.TrySetResult();
}
