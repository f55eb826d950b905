using Zamio.Central.Plays;
using Zamio.Shared.Matching;
using Zamio.Shared.Plays;

namespace Zamio.Central.Tests.Plays;

public sealed class PlayCollectorTests
{
    private static Play P(long id, long start, long end, PlayStatus status) =>
        new(id, 0, $"track{id}", start, end, 1, 1, new Alignment(start, 0, 1, 1), status);

    [Fact]
    public void Keep_PlayGrownAfterClosing_KeepsOnlyItsLatestVersionInStartOrder()
    {
        var collector = new PlayCollector();
        collector.Keep(P(2, 500, 900, PlayStatus.Ongoing), 520);
        collector.Keep(P(1, 100, 400, PlayStatus.Closed), 410);
        collector.Keep(P(2, 500, 900, PlayStatus.Closed), 910);
        collector.Keep(P(1, 100, 480, PlayStatus.Closed), 930);

        Assert.Equal([(1L, 480L), (2L, 900L)], collector.Closed.Select(p => (p.Id, p.EndFrame)));
        Assert.Equal(520, collector.FirstReported[2]);
        Assert.Equal(410, collector.FirstReported[1]);
        Assert.Empty(collector.Withdrawn);
    }

    [Fact]
    public void Keep_ClosedPlayThenRetracted_LeavesTheClosedOnesForTheWithdrawnInRetractionOrder()
    {
        var collector = new PlayCollector();
        collector.Keep(P(1, 100, 400, PlayStatus.Closed), 410);
        collector.Keep(P(2, 100, 300, PlayStatus.Closed), 310);
        collector.Keep(P(3, 50, 200, PlayStatus.Closed), 210);
        collector.Keep(P(3, 50, 200, PlayStatus.Retracted), 600);
        collector.Keep(P(2, 100, 300, PlayStatus.Retracted), 600);

        Assert.Equal([1L], collector.Closed.Select(p => p.Id));
        Assert.Equal([(3L, 600L), (2L, 600L)], collector.Withdrawn.Select(w => (w.Play.Id, w.RetractedAt)));
    }
}
