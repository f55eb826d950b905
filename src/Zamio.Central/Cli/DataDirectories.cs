namespace Zamio.Central.Cli;

/// <summary>Checks on <c>--data-dir</c> for verbs that only read or remove.</summary>
internal static class DataDirectories
{
    /// <summary>A mistyped directory would otherwise be created empty and the verb would quietly list nothing.</summary>
    public static void RequireExisting(string dataDirectory)
    {
        if (!Directory.Exists(dataDirectory))
        {
            throw new DirectoryNotFoundException($"no data directory '{dataDirectory}' (catalog add or stations add creates one)");
        }
    }
}
