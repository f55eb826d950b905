using Npgsql;
using Zamio.Central.Storage;

namespace Zamio.Central.Hosting;

/// <summary>
/// Applies PostgreSQL migrations before anything else touches the database. A server that cannot be reached yet (still
/// starting, or rebooting with central) is waited for, as a service manager restarting central would, with a line per
/// attempt; a refusal that waiting cannot mend (a wrong password, a missing database) ends the start with its reason.
/// </summary>
internal sealed partial class PostgresMigrator(NpgsqlDataSource dataSource, TimeProvider time, ILogger<PostgresMigrator> logger) : IHostedService
{
    internal static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var delay = FirstRetry; ; delay = TimeSpan.FromTicks(Math.Min(2 * delay.Ticks, MaxRetry.Ticks)))
        {
            try
            {
                await PostgresMigrations.ApplyAsync(dataSource, logger, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                // The wait is set before it is announced: whoever reads the line may move the clock on.
                var waiting = Task.Delay(delay, time, cancellationToken);
                var server = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
                LogWaiting(logger, $"{server.Host}:{server.Port}", ex.Message, delay.TotalSeconds);
                await waiting.ConfigureAwait(false);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL ({Server}) cannot be reached: {Reason}; trying again in {Seconds} s")]
    private static partial void LogWaiting(ILogger logger, string server, string reason, double seconds);
}
