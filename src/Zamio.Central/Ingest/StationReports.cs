using Zamio.Central.Stations;
using Zamio.Shared.Wire;

namespace Zamio.Central.Ingest;

/// <summary>
/// What central tells a station about its packets on <c>zamio/v1/stations/{id}/status/central</c> (a
/// <see cref="CentralReport"/>): counts of accepted, rejected, duplicate and dropped packets and the latest rejection
/// with its reason, for the stations whose rejections or drops changed since the last report.
/// Not thread-safe: one reporting loop owns it.
/// </summary>
public sealed class StationReports(StationActivity activity, string instance, TimeProvider time)
{
    private readonly Dictionary<string, (long Rejected, long Drops)> _reported = new(StringComparer.Ordinal);

    /// <summary>The reports due now, as (topic, JSON) pairs.</summary>
    public IEnumerable<(string Topic, byte[] Json)> Due()
    {
        foreach (var station in activity.Known)
        {
            var state = activity.State(station);
            if (_reported.GetValueOrDefault(station) == (state.Rejected, state.Dropped))
            {
                continue;
            }

            _reported[station] = (state.Rejected, state.Dropped);
            var report = new CentralReport(instance, time.GetUtcNow(), state.Accepted, state.Rejected, state.Duplicates, activity.Drops(station))
            {
                LastRejection = state.LastRejection,
            };
            yield return (Topics.CentralStatus(station), report.ToUtf8());
        }
    }
}
