using System.Text.Json;

namespace Zamio.Bench;

internal static class JsonIo
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static T ReadFile<T>(string path) =>
        JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
        ?? throw new InvalidDataException($"{path}: empty JSON");

    /// <summary>Parses JSON lines, skipping blank lines and anything that is not a JSON object
    /// (a CLI may print log lines to stdout; they must not break the scoring).</summary>
    public static List<T> ParseLines<T>(IEnumerable<string> lines)
    {
        var result = new List<T>();
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] != '{')
            {
                continue;
            }

            var item = JsonSerializer.Deserialize<T>(line, Options);
            if (item is not null)
            {
                result.Add(item);
            }
        }

        return result;
    }

    public static List<T> ReadLines<T>(string path) => ParseLines<T>(File.ReadLines(path));

    public static void Write<T>(string path, T value) =>
        File.WriteAllText(path, JsonSerializer.Serialize(value, Options) + "\n");
}
