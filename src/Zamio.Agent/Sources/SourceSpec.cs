using System.Diagnostics.CodeAnalysis;

namespace Zamio.Agent.Sources;

public enum SourceKind
{
    File,
    Http,
    Alsa,
    Command,
    Wasapi,
}

/// <summary>A parsed <c>--source</c> value.</summary>
public sealed record SourceSpec(SourceKind Kind, string Target)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out SourceSpec? spec, out string error)
    {
        spec = null;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "no source given; expected file:PATH, http(s)://URL, alsa:DEVICE, wasapi:DEVICE or cmd:COMMAND";
            return false;
        }

        if (text.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            spec = new SourceSpec(SourceKind.File, text[5..]);
        }
        else if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out _))
            {
                error = $"'{text}' is not a valid URL";
                return false;
            }

            spec = new SourceSpec(SourceKind.Http, text);
        }
        else if (text.StartsWith("alsa:", StringComparison.OrdinalIgnoreCase))
        {
            spec = new SourceSpec(SourceKind.Alsa, text[5..]);
        }
        else if (text.StartsWith("wasapi:", StringComparison.OrdinalIgnoreCase))
        {
            spec = new SourceSpec(SourceKind.Wasapi, text[7..].Trim().Trim('"'));
        }
        else if (text.StartsWith("cmd:", StringComparison.OrdinalIgnoreCase))
        {
            spec = new SourceSpec(SourceKind.Command, text[4..].Trim().Trim('"'));
        }
        else
        {
            error = $"'{text}' is not file:PATH, http(s)://URL, alsa:DEVICE, wasapi:DEVICE or cmd:COMMAND";
            return false;
        }

        if (string.IsNullOrWhiteSpace(spec.Target))
        {
            error = $"'{text}' names no {spec.Kind.ToString().ToLowerInvariant()} target";
            spec = null;
            return false;
        }

        return true;
    }
}
