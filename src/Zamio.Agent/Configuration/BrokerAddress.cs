using System.Diagnostics.CodeAnalysis;

namespace Zamio.Agent.Configuration;

/// <summary>A parsed <c>mqtt://host:port</c> (plain) or <c>mqtts://host:port</c> (TLS) broker address.</summary>
public sealed record BrokerAddress(string Host, int Port, bool UseTls)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out BrokerAddress? address, out string error)
    {
        address = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            error = $"'{text}' is not a URL; expected mqtt://HOST:PORT or mqtts://HOST:PORT";
            return false;
        }

        bool tls;
        switch (uri.Scheme)
        {
            case "mqtt":
                tls = false;
                break;
            case "mqtts":
                tls = true;
                break;
            default:
                error = $"scheme '{uri.Scheme}' is not mqtt or mqtts";
                return false;
        }

        if (uri.AbsolutePath is not ("" or "/") || !string.IsNullOrEmpty(uri.Query))
        {
            error = $"'{text}' has a path or query; expected mqtt://HOST:PORT";
            return false;
        }

        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 8883 : 1883) : uri.Port;
        address = new BrokerAddress(uri.IdnHost, port, tls);
        error = string.Empty;
        return true;
    }

    public override string ToString() => $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
