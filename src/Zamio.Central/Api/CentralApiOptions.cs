using System.ComponentModel.DataAnnotations;

namespace Zamio.Central.Api;

/// <summary>Settings of the HTTP API beyond <c>Zamio:*</c>: section <c>Central</c>; validated when the host starts.</summary>
public sealed class CentralApiOptions : IValidatableObject
{
    public const string Section = "Central";

    /// <summary>Admin key for catalogue management (<c>Authorization: Bearer KEY</c>); unset disables the admin API.</summary>
    public string? AdminKey { get; set; }

    /// <summary>Largest clip accepted by the mobile upload endpoint (the original app's limit: 5 MB).</summary>
    [Range(1024, 100L * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Uploads per minute and station, sustained (the app sends one 15 s clip every 15 s: 4 a minute).</summary>
    [Range(1, 100_000)]
    public int UploadsPerMinute { get; set; } = 12;

    /// <summary>Uploads a station may send at once before the per-minute rate applies (catching up after an outage).</summary>
    [Range(1, 100_000)]
    public int UploadBurst { get; set; } = 20;

    /// <summary>Largest catalogue file accepted by <c>POST /api/v1/tracks</c>.</summary>
    [Range(1024, 2L * 1024 * 1024 * 1024)]
    public long MaxTrackBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>
    /// How often a quiet <c>GET /api/v1/plays/live</c> stream gets a comment line (so proxies keep it open); the reader's
    /// access is checked again then, so a revoked key's stream ends within this.
    /// </summary>
    [Range(1, 3600)]
    public int LiveHeartbeatSeconds { get; set; } = 15;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (AdminKey is { } key && key.Length < 16)
        {
            yield return new ValidationResult("Central:AdminKey must be at least 16 characters (or unset to disable the admin API).", [nameof(AdminKey)]);
        }
    }
}
