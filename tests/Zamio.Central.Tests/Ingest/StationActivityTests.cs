using Zamio.Central.Stations;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Ingest;

public sealed class StationActivityTests
{
    [Fact]
    public void PacketRejected_SameReasonAgain_TrueOnlyForTheFirstOfEachReason()
    {
        var activity = new StationActivity(TimeProvider.System);

        bool[] toLog =
        [
            activity.PacketRejected("st-a", RejectReasons.ClockAhead, "ahead"),
            activity.PacketRejected("st-a", RejectReasons.ClockAhead, "ahead"),
            activity.PacketRejected("st-a", RejectReasons.AlgorithmVersion, "version 2, central runs 1"),
            activity.PacketRejected("st-a", RejectReasons.ClockAhead, "ahead"),
            activity.PacketRejected("st-b", RejectReasons.ClockAhead, "ahead"),
        ];

        Assert.Equal([true, false, true, false, true], toLog);
        var state = activity.State("st-a");
        Assert.Equal((4L, RejectReasons.ClockAhead), (state.Rejected, state.LastRejection!.Reason));
    }
}
