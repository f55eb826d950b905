namespace Zamio.Central.Api;

/// <summary>
/// An upload (a form file or a raw body) copied to a temporary file, deleted on dispose. A file on disk lets ffmpeg seek MP4/M4A
/// containers whose index sits at the end.
/// </summary>
internal sealed class TempUpload : IDisposable
{
    private TempUpload(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>An uploaded form file (its size already checked) copied to a temporary file.</summary>
    public static async Task<TempUpload> SaveAsync(IFormFile file, string prefix, CancellationToken cancellationToken)
    {
        var upload = file.OpenReadStream();
        await using (upload.ConfigureAwait(false))
        {
            return (await SaveAsync(upload, long.MaxValue, prefix, SafeExtension(file.FileName), cancellationToken).ConfigureAwait(false))!;
        }
    }

    /// <summary>A request body (a clip sent raw) copied to a temporary file; null when it held more than <paramref name="limit"/> bytes.</summary>
    public static Task<TempUpload?> SaveAsync(Stream body, long limit, string prefix, CancellationToken cancellationToken) =>
        SaveAsync(body, limit, prefix, ".bin", cancellationToken);

    private static async Task<TempUpload?> SaveAsync(Stream body, long limit, string prefix, string extension, CancellationToken cancellationToken)
    {
        var saved = new TempUpload(System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N") + extension));
        try
        {
            var tooLarge = false;
            var target = new FileStream(saved.Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await using (target.ConfigureAwait(false))
            {
                var buffer = new byte[81920];
                int read;
                while (!tooLarge && (read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    tooLarge = target.Length + read > limit;
                    if (!tooLarge)
                    {
                        await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            // Deleted once closed (an open file cannot be deleted everywhere).
            if (tooLarge)
            {
                saved.Dispose();
                return null;
            }

            return saved;
        }
        catch
        {
            saved.Dispose();
            throw;
        }
    }

    /// <summary>A decoder's message about this file, naming the client's file instead of the temporary one.</summary>
    // Decoders name the file by its path or by its name alone; the client knows neither.
    public string Describe(Exception ex, string? clientName)
    {
        var name = string.IsNullOrEmpty(clientName) ? "the upload" : clientName;
        return ex.Message.Replace(Path, name, StringComparison.Ordinal)
            .Replace(System.IO.Path.GetFileName(Path), name, StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(Path);

    // The client's name only contributes a short alphanumeric extension (ffmpeg probes by content anyway).
    private static string SafeExtension(string? fileName)
    {
        var extension = System.IO.Path.GetExtension(fileName ?? "");
        return extension.Length is > 1 and <= 6 && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension : ".bin";
    }
}
