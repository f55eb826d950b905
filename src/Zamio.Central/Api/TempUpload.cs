namespace Zamio.Central.Api;

/// <summary>
/// An uploaded form file copied to a temporary file, deleted on dispose. A file on disk lets ffmpeg seek MP4/M4A
/// containers whose index sits at the end.
/// </summary>
internal sealed class TempUpload : IDisposable
{
    private TempUpload(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static async Task<TempUpload> SaveAsync(IFormFile file, string prefix, CancellationToken cancellationToken)
    {
        var saved = new TempUpload(System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N") + SafeExtension(file.FileName)));
        try
        {
            var target = new FileStream(saved.Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous);
            await using (target.ConfigureAwait(false))
            {
                var upload = file.OpenReadStream();
                await using (upload.ConfigureAwait(false))
                {
                    await upload.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                }
            }

            return saved;
        }
        catch
        {
            saved.Dispose();
            throw;
        }
    }

    public void Dispose() => File.Delete(Path);

    // The client's name only contributes a short alphanumeric extension (ffmpeg probes by content anyway).
    private static string SafeExtension(string? fileName)
    {
        var extension = System.IO.Path.GetExtension(fileName ?? "");
        return extension.Length is > 1 and <= 6 && extension.Skip(1).All(char.IsAsciiLetterOrDigit) ? extension : ".bin";
    }
}
