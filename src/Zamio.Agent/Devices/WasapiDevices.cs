using System.Runtime.Versioning;
using NAudio.CoreAudioApi;
using Zamio.Agent.Sources;

namespace Zamio.Agent.Devices;

/// <summary>A Windows capture endpoint and the <c>--source</c> value that selects it.</summary>
public sealed record WasapiDevice(string Id, string Name, bool IsDefault)
{
    public string Source => "wasapi:" + Name;
}

/// <summary>Lists and finds WASAPI capture endpoints for <c>zamio-agent devices</c> and <c>wasapi:</c> sources.</summary>
public static class WasapiDevices
{
    public const string Default = "default";

    /// <summary>One line per device; names have spaces, so the source is printed quoted, ready to paste.</summary>
    public static void Write(IEnumerable<WasapiDevice> devices, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(output);
        var any = false;
        foreach (var d in devices)
        {
            any = true;
            output.WriteLine($"--source \"{d.Source}\"{(d.IsDefault ? "   (default: also wasapi:default)" : string.Empty)}   id {d.Id}");
        }

        if (!any)
        {
            output.WriteLine("No active WASAPI capture devices found.");
        }
    }

    /// <summary>Prints the devices; returns the process exit code.</summary>
    public static int Print(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (!OperatingSystem.IsWindows())
        {
            error.WriteLine(WasapiAudioSource.NotWindows);
            return 1;
        }

        Write(List(), output);
        return 0;
    }

    [SupportedOSPlatform("windows")]
    public static IReadOnlyList<WasapiDevice> List()
    {
        using var enumerator = new MMDeviceEnumerator();
        var defaultId = enumerator.TryGetDefaultAudioEndpoint(DataFlow.Capture, Role.Console, out var fallback) ? fallback.ID : null;
        fallback?.Dispose();
        return [.. enumerator.EnumerateAudioEndPoints(DataFlow.Capture, DeviceState.Active)
            .Select(d => new WasapiDevice(d.ID, d.FriendlyName, d.ID == defaultId))];
    }

    /// <summary>The endpoint for <c>default</c>, an id, or a unique name (case-insensitive).</summary>
    [SupportedOSPlatform("windows")]
    internal static MMDevice Find(string device)
    {
        using var enumerator = new MMDeviceEnumerator();
        if (string.Equals(device, Default, StringComparison.OrdinalIgnoreCase))
        {
            return enumerator.TryGetDefaultAudioEndpoint(DataFlow.Capture, Role.Console, out var endpoint)
                ? endpoint
                : throw new SourceUnavailableException($"wasapi:{device}: this machine has no default capture device");
        }

        var active = enumerator.EnumerateAudioEndPoints(DataFlow.Capture, DeviceState.Active).ToList();
        var matches = active.Where(d => d.ID == device).ToList() is { Count: 1 } byId
            ? byId
            : active.Where(d => string.Equals(d.FriendlyName, device, StringComparison.OrdinalIgnoreCase)).ToList();
        foreach (var other in active.Except(matches))
        {
            other.Dispose();
        }

        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new SourceUnavailableException(
                $"wasapi:{device}: no such active capture device; have: {string.Join(", ", active.Select(d => d.FriendlyName).DefaultIfEmpty("none"))}"),
            _ => throw new SourceUnavailableException($"wasapi:{device}: {matches.Count} devices have that name; use the id from zamio-agent devices"),
        };
    }
}
