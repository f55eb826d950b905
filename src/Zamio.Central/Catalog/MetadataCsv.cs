namespace Zamio.Central.Catalog;

/// <summary>
/// Reads a CSV sidecar with a header naming at least <c>id</c> and any of <c>title</c>, <c>artist</c>,
/// <c>isrc</c>. Quoted fields with commas and doubled quotes are supported. The file must be UTF-8 (a BOM is fine);
/// ISRCs are checked and stored without hyphens; an id listed twice is an error, not a silent choice.
/// </summary>
public static class MetadataCsv
{
    public static IReadOnlyDictionary<string, TrackMetadata> Read(string path)
    {
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' is a folder, not a CSV file", path);
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, StrictUtf8);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new FormatException($"{path}: not UTF-8 text; save the CSV as UTF-8");
        }

        if (lines.Length == 0)
        {
            throw new FormatException($"{path}: empty CSV");
        }

        var header = SplitLine(lines[0], path, 1).Select(h => h.Trim().ToLowerInvariant()).ToList();
        var id = header.IndexOf("id");
        if (id < 0)
        {
            var hint = lines[0].Contains(';', StringComparison.Ordinal) || lines[0].Contains('\t', StringComparison.Ordinal)
                ? " (columns are separated by commas; this header seems to use another separator)" : string.Empty;
            throw new FormatException($"{path}: header must have an 'id' column{hint}");
        }

        var title = header.IndexOf("title");
        var artist = header.IndexOf("artist");
        var isrc = header.IndexOf("isrc");
        var result = new Dictionary<string, TrackMetadata>(StringComparer.Ordinal);
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var fields = SplitLine(lines[i], path, i + 1);
            string? Field(int column) => column >= 0 && column < fields.Count && fields[column].Length > 0 ? fields[column] : null;
            var key = Field(id) ?? throw new FormatException($"{path}:{i + 1}: missing id");
            if (!firstLine.TryAdd(key, i + 1))
            {
                throw new FormatException($"{path}:{i + 1}: id '{key}' is listed again (first on line {firstLine[key]})");
            }

            if (!TrackMetadata.TryNormaliseIsrc(Field(isrc), out var code))
            {
                throw new FormatException($"{path}:{i + 1}: '{Field(isrc)}' is not an ISRC ({TrackMetadata.IsrcRule})");
            }

            result[key] = new TrackMetadata(Field(title), Field(artist), code);
        }

        return result;
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Fields with line breaks are not supported: an opening quote must close on its own line.
    private static List<string> SplitLine(string line, string path, int lineNumber)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        if (quoted)
        {
            throw new FormatException($"{path}:{lineNumber}: a quoted field is not closed");
        }

        fields.Add(current.ToString());
        return fields;
    }
}
