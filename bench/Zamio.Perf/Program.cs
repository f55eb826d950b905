using Zamio.Perf;

_ = Machine.StartLoad;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("""
        usage: dotnet run --project bench/Zamio.Perf -c Release -- VERB [options]
          extract       [--input FILE] [--seconds N] [--runs 5] [--warmups 2] [--block 4096]
          index         [--hours 60] [--catalog-dir DIR] [--queries 100] [--query-seconds 10] [--noise 0.5] [--seed 1]
                        [--track-seconds 210] [--peaks-per-second 21]
          scan-catalog  [--tracks 1000] [--programme-tracks 8] [--programme-seconds 1800] [--runs 5] [--noise 0]
                        [--chunk-frames 32] [--seed 1] [--streams N: memory of N live streams]
          match-programmes [--data-dir /tmp/zperf/cat1000] [--programmes bench-data/main/programmes] [--runs 3] [--packet-seconds 1]
          fill-catalog  --data-dir DIR [--tracks 1000] [--track-seconds 210] [--peaks-per-second 19] [--seed 1] [--postgres CONNECTION: copy the catalogue there]
          airplay-report [--stations 200] [--days 30] [--plays-per-hour 12] [--runs 3] [--postgres CONNECTION]
          archive-day   --out DIR [--programmes bench-data/main/programmes] [--hours 24] [--station bench-fm] [--start 2026-11-30T00:00:00Z]
          central-load --stations N --broker H:P --seconds S [--pace realtime] [--central URL[,URL...]] [--central-pid PID[,PID...]] [--broker-pid PID] [--connections C] [--data-dir DIR | --postgres CONNECTION: register the stations there] [--measure-after S: time only songs starting S s into the run] [--packet-seconds 1] [--delays-out FILE: each measured song start and its delay, tab-separated] [--join spread: offsets spread over the programme] [--programmes DIR[,DIR...]] [--catalog-dir DIR[,DIR...]] | identify-latency --central URL --clips DIR [--requests 200] [--warmup 20] | fill-redis-cache [--redis H:P] [--prefix P] [--hours 1000] [--snapshot 1] [--chunk-mib 4] | snapshot-load [--redis H:P] [--prefix P] [--runs 2]
        Prints markdown tables on stdout; progress on stderr.
        """);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var options = new Options(args.Skip(1));
    return args[0] switch
    {
        "extract" => ExtractBench.Run(options, args),
        "index" => IndexBench.Run(options, args),
        "scan-catalog" => ScanCatalogBench.Run(options, args),
        "match-programmes" => MatchProgrammesBench.Run(options, args),
        "fill-catalog" => FillCatalog.Run(options),
        "airplay-report" => AirplayReportBench.Run(options),
        "archive-day" => ArchiveDayBench.Run(options),
        "central-load" or "identify-latency" or "fill-redis-cache" or "snapshot-load" => CentralBenches.Run(args[0], options),
        _ => throw new ArgumentException($"unknown verb '{args[0]}'"),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}
