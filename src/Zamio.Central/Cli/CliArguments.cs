namespace Zamio.Central.Cli;

/// <summary>Positional arguments and <c>--name value</c> options of one verb; unknown options are errors.</summary>
public sealed class CliArguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CliArguments(List<string> positional)
    {
        Positional = positional;
    }

    public IReadOnlyList<string> Positional { get; }

    public string DataDirectory => Option("--data-dir") ?? "zamio-data";

    public static CliArguments Parse(IEnumerable<string> args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flags)
    {
        var positional = new List<string>();
        var result = new CliArguments(positional);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (arg == "--data-dir" || valueOptions.Contains(arg))
            {
                if (!e.MoveNext() || e.Current.StartsWith("--", StringComparison.Ordinal))
                {
                    throw new CliUsageException($"{arg} needs a value");
                }

                result._options[arg] = e.Current;
            }
            else if (flags.Contains(arg))
            {
                result._flags.Add(arg);
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new CliUsageException($"unknown option {arg}");
            }
            else
            {
                positional.Add(arg);
            }
        }

        return result;
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);
}

/// <summary>A mistake in how the command was called: reported in one line with exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
