using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;

namespace Zamio.Central.Api;

/// <summary>
/// <c>POST /api/v1/identify</c> needs no key and decodes and matches a clip per request: at most
/// <see cref="ServeOptions.IdentifyConcurrency"/> run at once and <see cref="ServeOptions.IdentifyQueue"/> wait; the
/// rest are 429 with <c>Retry-After</c>, so a flood of clips cannot take the cores ingest needs.
/// </summary>
public static class IdentifyLimiter
{
    public const string Policy = "identify";

    public static IServiceCollection AddIdentifyLimiter(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ServeOptions>>((limiter, serve) =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, _) =>
            {
                rejected.HttpContext.Response.Headers.RetryAfter = "1";
                return new ValueTask(Results.Problem("Too many identify requests at once; retry shortly.", statusCode: StatusCodes.Status429TooManyRequests)
                    .ExecuteAsync(rejected.HttpContext));
            };
            limiter.AddConcurrencyLimiter(Policy, concurrency =>
            {
                concurrency.PermitLimit = serve.Value.IdentifyConcurrency > 0 ? serve.Value.IdentifyConcurrency : Environment.ProcessorCount;
                concurrency.QueueLimit = serve.Value.IdentifyQueue;
                concurrency.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
        });
        return services;
    }
}
