namespace Zamio.Central.Catalog;

/// <summary>
/// Reads a CSV sidecar with a header naming at least <c>id</c> and any of <c>title</c>, <c>artist</c>,
/// <c>isrc</c>. Quoted fields with commas and doubled quotes are supported.
/// </summary>
public static class MetadataCsv
{
    public static IReadOnlyDictionary<string, TrackMetadata> Read(string path)
    {
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException($"'{path}' is a folder, not a CSV file", path);
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new FormatException($"{path}: empty CSV");
        }

        var header = SplitLine(lines[0], path, 1).Select(h => h.Trim().ToLowerInvariant()).ToList();
        var id = header.IndexOf("id");
        if (id < 0)
        {
            throw new FormatException($"{path}: header must have an 'id' column");
        }

        var title = header.IndexOf("title");
        var artist = header.IndexOf("artist");
        var isrc = header.IndexOf("isrc");
        var result = new Dictionary<string, TrackMetadata>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var fields = SplitLine(lines[i], path, i + 1);
            string? Field(int column) => column >= 0 && column < fields.Count && fields[column].Length > 0 ? fields[column] : null;
            var key = Field(id) ?? throw new FormatException($"{path}:{i + 1}: missing id");
            result[key] = new TrackMetadata(Field(title), Field(artist), Field(isrc));
        }

        return result;
    }

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
