using System.Globalization;

namespace Zamio.Perf;

/// <summary>Minimal <c>--name value</c> parser; every option takes exactly one value.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal) || name.Length < 3)
            {
                throw new ArgumentException($"unexpected argument '{name}'");
            }

            if (!e.MoveNext())
            {
                throw new ArgumentException($"option {name} needs a value");
            }

            _values[name[2..]] = e.Current;
        }
    }

    public string? String(string name)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v : null;
    }

    public double Double(string name, double fallback)
    {
        var v = String(name);
        return v is null ? fallback : double.Parse(v, CultureInfo.InvariantCulture);
    }

    public int Int(string name, int fallback)
    {
        var v = String(name);
        return v is null ? fallback : int.Parse(v, CultureInfo.InvariantCulture);
    }

    /// <summary>Fails on options no verb asked for, so a typo does not silently measure the default.</summary>
    public void EnsureAllUsed()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException("unknown option(s): " + string.Join(", ", unknown.Select(k => "--" + k)));
        }
    }
}
