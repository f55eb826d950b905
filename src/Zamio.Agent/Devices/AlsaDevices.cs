using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Zamio.Agent.Devices;

/// <summary>A capture device as <c>arecord -l</c> lists it, with the <c>--source</c> value that selects it.</summary>
public sealed record CaptureDevice(int Card, string CardId, string CardName, int Device, string DeviceName)
{
    /// <summary>plughw converts rate and format in ALSA, so any card can deliver 8 kHz mono.</summary>
    public string Source => $"alsa:plughw:CARD={CardId},DEV={Device}";
}

/// <summary>Lists ALSA capture devices for <c>zamio-agent devices</c>.</summary>
public static partial class AlsaDevices
{
    /// <summary>Parses lines like <c>card 1: Device [USB Audio Device], device 0: USB Audio [USB Audio]</c>.</summary>
    public static IReadOnlyList<CaptureDevice> Parse(string arecordOutput)
    {
        ArgumentNullException.ThrowIfNull(arecordOutput);
        var devices = new List<CaptureDevice>();
        foreach (Match m in CardLine().Matches(arecordOutput))
        {
            devices.Add(new CaptureDevice(
                int.Parse(m.Groups["card"].Value, System.Globalization.CultureInfo.InvariantCulture),
                m.Groups["id"].Value,
                m.Groups["cardName"].Value,
                int.Parse(m.Groups["dev"].Value, System.Globalization.CultureInfo.InvariantCulture),
                m.Groups["devName"].Value));
        }

        return devices;
    }

    /// <summary>Prints the devices; returns the process exit code.</summary>
    public static int Print(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string text;
        try
        {
            using var process = Process.Start(new ProcessStartInfo("arecord", "-l")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            text = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 && text.Length == 0)
            {
                error.WriteLine($"arecord -l failed (exit code {process.ExitCode}): {stderr.Trim()}");
                return 1;
            }
        }
        catch (Win32Exception)
        {
            error.WriteLine("arecord was not found: install alsa-utils (apt-get install alsa-utils) to list and use ALSA sound cards.");
            return 1;
        }

        var devices = Parse(text);
        if (devices.Count == 0)
        {
            output.WriteLine("No ALSA capture devices found.");
            return 0;
        }

        foreach (var d in devices)
        {
            output.WriteLine($"{d.Source,-40} {d.CardName} / {d.DeviceName}");
        }

        return 0;
    }

    [GeneratedRegex(@"^card (?<card>\d+): (?<id>\S+) \[(?<cardName>[^\]]*)\], device (?<dev>\d+): (?<devName>.*?)(?: \[[^\]]*\])?\s*$", RegexOptions.Multiline)]
    private static partial Regex CardLine();
}
