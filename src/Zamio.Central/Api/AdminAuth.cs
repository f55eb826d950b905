using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Zamio.Central.Api;

/// <summary><c>Authorization: Bearer KEY</c> against <see cref="CentralApiOptions.AdminKey"/>, compared in constant time.</summary>
public sealed class AdminAuth(IOptions<CentralApiOptions> options)
{
    private readonly byte[]? _key = options.Value.AdminKey is { Length: > 0 } key ? SHA256.HashData(Encoding.UTF8.GetBytes(key)) : null;

    public bool IsAdmin(HttpRequest request)
    {
        if (_key is null
            || !AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(header.Parameter))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(_key, SHA256.HashData(Encoding.UTF8.GetBytes(header.Parameter.Trim())));
    }
}
