using System.Text.Json;

namespace Zamio.Central.Cli;

/// <summary>Writes one compact JSON object per line to stdout (the only thing verbs put on stdout).</summary>
public static class JsonLines
{
    // Titles and artists print as written ("Café", "O'Brien & Sons"), not as \u escapes: this is no HTML page.
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write<T>(T value) => Console.Out.WriteLine(Line(value));

    public static string Line<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Rounded for output; adding zero turns a negative zero (a tiny negative offset rounded) into "0".</summary>
    public static double Round(double value, int digits = 2) => Catalog.ClipFigures.Round(value, digits);
}
