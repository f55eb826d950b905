using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Zamio.Central.Metrics;

/// <summary>
/// A small Prometheus text-format (0.0.4) exporter: a <see cref="MeterListener"/> on the host's own
/// <see cref="CentralMetrics.Meter"/> keeps running totals per instrument and tag set; a scrape collects the
/// observable gauges and renders everything. Counters get <c>_total</c>, histograms cumulative <c>_bucket</c>
/// series with <c>_sum</c> and <c>_count</c>, units <c>s</c> and <c>By</c> become <c>_seconds</c> and <c>_bytes</c>.
/// The runtime's own meter is exported beside it (CPU time, GC collections and pauses, allocation, heap, thread pool),
/// so an operator can tell matching work from memory pressure when an instance falls behind.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The .NET runtime's built-in meter (process-wide: every host in a process shows the same values).</summary>
    private const string RuntimeMeterName = "System.Runtime";

    /// <summary>Upper bounds in seconds for latency histograms (1 ms to 1 min; finer around a second, where ingest lag lies).</summary>
    private static readonly double[] Bounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 5, 10, 30, 60];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly Lock _scrape = new();

    public PrometheusExporter(CentralMetrics metrics)
    {
        var meter = metrics.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Reference equality: another host's meter of the same name (tests run several) is not ours.
            if (ReferenceEquals(instrument.Meter, meter) || instrument.Meter.Name == RuntimeMeterName)
            {
                _series.TryAdd(instrument, new Series(instrument));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Renders every series in the Prometheus text format.</summary>
    public string Scrape()
    {
        var text = new StringBuilder();
        lock (_scrape)
        {
            _listener.RecordObservableInstruments();
            foreach (var series in _series.Values.OrderBy(s => s.Instrument.Name, StringComparer.Ordinal))
            {
                series.Render(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, tags);
        }
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private sealed class Series(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

        public Instrument Instrument { get; } = instrument;

        private string Kind => Instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> => "counter",
            Histogram<double> or Histogram<long> => "histogram",
            _ => "gauge",
        };

        private bool Cumulative => Instrument is ObservableCounter<long> or ObservableCounter<double> or ObservableGauge<long> or ObservableGauge<double> or ObservableGauge<int>
            || Instrument is ObservableUpDownCounter<long> or ObservableUpDownCounter<double>;

        private string BaseName
        {
            get
            {
                var name = Instrument.Name.Replace('.', '_').Replace('-', '_');
                return Instrument.Unit switch
                {
                    "s" => name + "_seconds",
                    "By" => name + "_bytes",
                    _ => name,
                };
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = Labels(tags);
            var cell = _cells.GetOrAdd(labels, static _ => new Cell());
            lock (cell)
            {
                if (Kind == "histogram")
                {
                    cell.Count++;
                    cell.Sum += value;
                    cell.Buckets ??= new long[Bounds.Length];
                    for (var i = 0; i < Bounds.Length; i++)
                    {
                        if (value <= Bounds[i])
                        {
                            cell.Buckets[i]++;
                        }
                    }
                }
                else if (Cumulative)
                {
                    // Observable instruments report their current value at each scrape.
                    cell.Sum = value;
                }
                else
                {
                    cell.Sum += value;
                }
            }
        }

        public void Render(StringBuilder text)
        {
            var kind = Kind;
            var name = BaseName + (kind == "counter" ? "_total" : "");
            text.Append("# HELP ").Append(name).Append(' ').Append(Instrument.Description?.Replace("\n", " ", StringComparison.Ordinal) ?? Instrument.Name).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
            foreach (var (labels, cell) in _cells.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                lock (cell)
                {
                    if (kind == "histogram")
                    {
                        var buckets = cell.Buckets ?? new long[Bounds.Length];
                        for (var i = 0; i < Bounds.Length; i++)
                        {
                            Line(text, BaseName + "_bucket", Join(labels, $"le=\"{Format(Bounds[i])}\""), buckets[i]);
                        }

                        Line(text, BaseName + "_bucket", Join(labels, "le=\"+Inf\""), cell.Count);
                        Line(text, BaseName + "_sum", labels, cell.Sum);
                        Line(text, BaseName + "_count", labels, cell.Count);
                    }
                    else
                    {
                        Line(text, name, labels, cell.Sum);
                    }
                }
            }
        }

        private static void Line(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0)
            {
                text.Append('{').Append(labels).Append('}');
            }

            text.Append(' ').Append(Format(value)).Append('\n');
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var pairs = new List<string>(tags.Length);
            foreach (var tag in tags)
            {
                var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
                if (value.Length > 0)
                {
                    pairs.Add($"{tag.Key.Replace('.', '_')}=\"{Escape(value)}\"");
                }
            }

            pairs.Sort(StringComparer.Ordinal);
            return string.Join(',', pairs);
        }
    }

    private sealed class Cell
    {
        public double Sum;
        public long Count;
        public long[]? Buckets;
    }
}
