using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Zamio.Agent.Tests.Integration;

/// <summary>
/// A private Mosquitto on a loopback port, so a test can stop and restart "the broker" without disturbing the
/// shared one. Persistence keeps the test subscriber's session, and what is queued for it, across a restart.
/// </summary>
internal sealed class MosquittoProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    /// <summary>QoS 1 messages the broker sends a client before it must wait for acknowledgements.</summary>
    public const int MaxInflight = 20;

    private readonly string _config;
    private readonly StringBuilder _log = new();
    private Process? _process;

    public MosquittoProcess(string directory, int port)
        : this(directory, port, DefaultConfig(directory, port))
    {
    }

    /// <param name="config">The whole configuration; it must log to stderr (the start waits for the "running" line).</param>
    public MosquittoProcess(string directory, int port, string config)
    {
        Port = port;
        Directory.CreateDirectory(directory);
        _config = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(_config, config);
    }

    // max_inflight_messages: QoS 1 messages the broker has out to one client at once (Mosquitto's default, pinned).
    // autosave_interval 0: saved on a clean exit only, so the test controls what a restart comes back to.
    // 'user root' keeps a root-run broker from dropping to a 'mosquitto' user that cannot write here.
    private static string DefaultConfig(string directory, int port) => string.Create(CultureInfo.InvariantCulture, $"""
        listener {port} 127.0.0.1
        allow_anonymous true
        persistence true
        persistence_location {directory}/
        autosave_interval 0
        max_queued_messages 100000
        max_inflight_messages {MaxInflight}
        user root
        log_dest stderr
        """);

    /// <summary>The broker binary, or null when Mosquitto is not installed.</summary>
    public static string? Executable { get; } = new[] { "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto" }
        .Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(d => Path.Combine(d, "mosquitto")))
        .FirstOrDefault(File.Exists);

    public int Port { get; }

    /// <summary>The running broker's process id (for signals), or null when stopped.</summary>
    public int? ProcessId => _process?.Id;

    public string Url => $"mqtt://127.0.0.1:{Port}";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the broker and returns once it says it is running (its listener is open by then).</summary>
    public async Task StartAsync()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("mosquitto is not installed"), ["-c", _config])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            },
            EnableRaisingEvents = true,
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_log)
            {
                _log.AppendLine(e.Data);
            }

            if (e.Data.Contains(" running", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        process.Exited += (_, _) => running.TrySetException(new InvalidOperationException("mosquitto exited: " + Log));
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        await running.Task.WaitAsync(StartTimeout);
    }

    public void Dispose()
    {
        if (_process is { } process)
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>SIGTERM: a clean shutdown that saves sessions to the persistence file.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            using (var terminate = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await terminate.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(StartTimeout);
            process.Dispose();
            _process = null;
        }
    }
}
