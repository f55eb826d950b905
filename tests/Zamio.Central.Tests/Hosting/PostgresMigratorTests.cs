using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Zamio.Central.Hosting;
using Zamio.Central.Tests.Integration;

namespace Zamio.Central.Tests.Hosting;

public sealed class PostgresMigratorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StartAsync_ServerUnreachable_WaitsAndTriesAgainUntilStopped()
    {
        // Needs no server: PostgreSQL "not up yet" is a closed port.
        await using var dataSource = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={TestServers.ClosedPort()};Username=zamio;Password=zamio;Database=zamio;Timeout=5");
        var time = new FakeTimeProvider();
        var logger = new WarningLines();
        var migrator = new PostgresMigrator(dataSource, time, logger);
        using var stop = new CancellationTokenSource();

        var starting = migrator.StartAsync(stop.Token);

        Assert.Contains("cannot be reached", await logger.Lines.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        Assert.False(starting.IsCompleted);
        time.Advance(PostgresMigrator.FirstRetry);
        Assert.Contains("trying again in 2 s", await logger.Lines.Reader.ReadAsync().AsTask().WaitAsync(Patience));
        Assert.False(starting.IsCompleted);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting.WaitAsync(Patience));
    }

    private sealed class WarningLines : ILogger<PostgresMigrator>
    {
        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Lines.Writer.TryWrite(formatter(state, exception));
            }
        }
    }
}
