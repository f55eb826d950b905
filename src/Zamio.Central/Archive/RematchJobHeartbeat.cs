namespace Zamio.Central.Archive;

/// <summary>
/// Rewrites this instance's unfinished rematch jobs every <see cref="RematchJobs.Heartbeat"/>, so their stored
/// progress stays current and a job whose instance stopped can be told from one still running.
/// </summary>
public sealed class RematchJobHeartbeat(RematchJobs jobs, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RematchJobs.Heartbeat, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                jobs.SaveUnfinished();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
