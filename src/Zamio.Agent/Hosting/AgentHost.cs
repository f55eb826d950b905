using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Zamio.Agent.Configuration;

namespace Zamio.Agent.Hosting;

/// <summary>
/// Builds and runs the agent host; exit codes: 0 done, 1 failed (a file run included whose packets central refused),
/// 2 bad configuration.
/// </summary>
public static class AgentHost
{
    public const int ConfigurationError = 2;

    /// <summary>
    /// appsettings.json, then <c>Agent__*</c> environment variables, then <paramref name="overrides"/> (the
    /// command line), each overriding the previous.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(IDictionary<string, string?> overrides, string? contentRoot = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = [],
            ContentRootPath = contentRoot ?? AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(overrides);
        // Logs written to a file or a terminal need the time; under systemd the journal's formatter (set by AddSystemd,
        // after this) is used instead. Naming the simple formatter keeps the console logger from applying its legacy
        // options over these.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console =>
            console.FormatterName ??= Microsoft.Extensions.Logging.Console.ConsoleFormatterNames.Simple);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(console =>
        {
            console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            console.UseUtcTimestamp = true;
        });
        builder.Services.AddSystemd();
        builder.Services.AddWindowsService(o => o.ServiceName = "zamio-agent");
        builder.Services.AddZamioAgent(builder.Configuration);
        return builder;
    }

    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var problems = CommandLine.Parse(args, overrides);
        if (problems.Count > 0)
        {
            return Fail(error, problems, usage: true);
        }

        using var host = CreateBuilder(overrides).Build();
        try
        {
            // Validate before starting so a bad value is reported plainly, not as a failed host start.
            _ = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
            await host.StartAsync().ConfigureAwait(false);
        }
        catch (OptionsValidationException ex)
        {
            return Fail(error, ex.Failures, usage: false);
        }
        catch (InvalidOperationException ex) when (ex.InnerException is ArgumentException or FormatException or OverflowException)
        {
            // A value that is not a number where one is needed: the binder's message names the key.
            return Fail(error, [ex.Message], usage: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Fail(error, [$"spool: {ex.Message}"], usage: false);
        }

        await host.WaitForShutdownAsync().ConfigureAwait(false);
        // A loop that failed stops the host; a non-zero exit lets the service manager restart the agent.
        var failed = host.Services.GetServices<IHostedService>().OfType<BackgroundService>().Any(s => s.ExecuteTask is { IsFaulted: true });
        if (failed)
        {
            return 1;
        }

        return RefusedRun(host.Services, error) ?? Environment.ExitCode;
    }

    /// <summary>
    /// A finite run whose packets were all delivered but that central reported refusing (some of) is not a success: the
    /// audio was not matched. Exit 1 with one line naming how many and why; null when that is not the case.
    /// </summary>
    internal static int? RefusedRun(IServiceProvider services, TextWriter error)
    {
        var rejections = services.GetRequiredService<Status.CentralRejections>();
        if (!services.GetRequiredService<RunCompletion>().AllDelivered.IsCompleted || rejections.Refused == 0)
        {
            return null;
        }

        var last = rejections.LastRejection;
        error.WriteLine($"zamio-agent: central refused {rejections.Refused} packet(s) of this run, so they were not matched (last: {last?.Reason}: {last?.Detail}, from {last?.Instance})");
        return 1;
    }

    private static int Fail(TextWriter error, IEnumerable<string> problems, bool usage)
    {
        foreach (var problem in problems)
        {
            error.WriteLine("zamio-agent: " + problem);
        }

        if (usage)
        {
            error.WriteLine(CommandLine.Usage);
        }

        return ConfigurationError;
    }
}
