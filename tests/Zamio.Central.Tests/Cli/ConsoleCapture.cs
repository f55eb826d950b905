using Zamio.Central.Cli;

namespace Zamio.Central.Tests.Cli;

/// <summary>Tests that redirect the process-wide console run in this collection, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console";
}

internal sealed record CliRun(int ExitCode, string Out, string Error)
{
    public IReadOnlyList<string> OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static CliRun Invoke(params string[] args) => Invoke(null, args);

    public static CliRun Invoke(Microsoft.Extensions.Configuration.IConfiguration? configuration, params string[] args) =>
        CaptureAsync(() => Task.FromResult(CommandLine.Run(args, configuration))).GetAwaiter().GetResult();

    /// <summary>Runs <paramref name="run"/> (a host, say) with the console captured.</summary>
    public static async Task<CliRun> CaptureAsync(Func<Task<int>> run)
    {
        var originalOut = Console.Out;
        var originalError = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var code = await run();
            return new CliRun(code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}
