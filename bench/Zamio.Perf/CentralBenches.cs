namespace Zamio.Perf;

/// <summary>Benchmarks of a running central (`serve`): MQTT load, identify latency, Redis warm start.</summary>
internal static class CentralBenches
{
    public static int Run(string verb, Options options) => verb switch
    {
        "central-load" => CentralLoadBench.Run(options),
        "identify-latency" => IdentifyLatencyBench.Run(options),
        "fill-redis-cache" => RedisCacheFill.Run(options),
        "snapshot-load" => SnapshotLoadBench.Run(options),
        _ => throw new ArgumentException($"unknown verb '{verb}'"),
    };
}
