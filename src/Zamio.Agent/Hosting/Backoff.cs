using Polly;
using Polly.Retry;

namespace Zamio.Agent.Hosting;

/// <summary>Retry-forever pipelines with exponential, jittered delays, so a fleet of agents never retries in lockstep.</summary>
public static class Backoff
{
    public static ResiliencePipeline Forever(
        Func<Exception, bool> shouldRetry,
        TimeProvider time,
        TimeSpan first,
        TimeSpan max,
        Action<Exception, TimeSpan, int> onRetry,
        Func<double>? randomizer = null) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && shouldRetry(ex)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Randomizer = randomizer ?? Random.Shared.NextDouble,
                Delay = first,
                MaxDelay = max,
                OnRetry = args =>
                {
                    onRetry(args.Outcome.Exception!, args.RetryDelay, args.AttemptNumber + 1);
                    return default;
                },
            })
            .Build();
}
