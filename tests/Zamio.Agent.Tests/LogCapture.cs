using Microsoft.Extensions.Logging;

namespace Zamio.Agent.Tests;

/// <summary>Keeps every log entry, and lets a test wait for one that matches.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<(LogLevel Level, string Message)> _entries = [];
    private readonly List<(Func<LogLevel, string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    public IReadOnlyList<(LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Completes with the first entry, logged before or after this call, that matches.</summary>
    public Task<string> WaitForAsync(Func<LogLevel, string, bool> match, TimeSpan timeout)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var logged = _entries.FirstOrDefault(e => match(e.Level, e.Message));
            if (logged.Message is not null)
            {
                seen.SetResult(logged.Message);
            }
            else
            {
                _waiters.Add((match, seen));
            }
        }

        return seen.Task.WaitAsync(timeout);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose()
    {
    }

    private void Add(LogLevel level, string message)
    {
        lock (_gate)
        {
            _entries.Add((level, message));
            foreach (var waiter in _waiters.Where(w => w.Match(level, message)).ToList())
            {
                waiter.Seen.TrySetResult(message);
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.Add(logLevel, formatter(state, exception));
    }
}
