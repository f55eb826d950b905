using Zamio.Agent.Hosting;

namespace Zamio.Agent.Tests;

public class BackoffTests
{
    [Fact]
    public async Task Forever_RepeatedFailures_DelaysGrowToTheCapWithJitter()
    {
        var time = new InstantTime();
        var delays = new List<TimeSpan>();
        var random = new Random(42);
        var pipeline = Backoff.Forever(_ => true, time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30),
            (_, delay, _) => delays.Add(delay), random.NextDouble);
        var calls = 0;

        await pipeline.ExecuteAsync(_ => ++calls < 12 ? throw new IOException("refused") : ValueTask.CompletedTask);

        Assert.Equal(11, delays.Count);
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(30)));
        Assert.True(delays[0] < TimeSpan.FromSeconds(3), $"first retry after {delays[0]}");
        Assert.True(delays.TakeLast(4).Average(d => d.TotalSeconds) > 4 * delays.Take(3).Average(d => d.TotalSeconds),
            string.Join(", ", delays.Select(d => d.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))));
    }

    /// <summary>Fires every timer at once: the pipeline's waits are recorded, not waited.</summary>
    private sealed class InstantTime : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new Fired();
        }

        private sealed class Fired : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
