using System.Globalization;
using Zamio.Central.Ingest;
using Zamio.Shared.Matching;

namespace Zamio.Central.Tests.Ingest;

public sealed class WindowPhaseTests
{
    [Fact]
    public void Of_SameStationTwice_SamePhaseWithinTheStep()
    {
        var phase = WindowPhase.Of("fm-accra-1");

        Assert.Equal(phase, WindowPhase.Of(new string("fm-accra-1".ToCharArray())));
        Assert.InRange(phase, 0, StreamMatcher.StepFrames - 1);
    }

    [Fact]
    public void Of_TwoThousandNumberedStations_SpreadOverTheWholeStep()
    {
        var phases = Enumerable.Range(0, 2000).Select(i => WindowPhase.Of(string.Create(CultureInfo.InvariantCulture, $"ld-{i:D5}"))).ToList();

        // Each quarter of the step takes about a quarter of the stations, so no second of it carries the bulk of the windows.
        foreach (var quarter in phases.GroupBy(p => p * 4 / StreamMatcher.StepFrames))
        {
            Assert.InRange(quarter.Count(), 400, 600);
        }

        Assert.Equal(4, phases.Select(p => p * 4 / StreamMatcher.StepFrames).Distinct().Count());
        Assert.True(phases.Distinct().Count() > 100, $"{phases.Distinct().Count()} distinct phases");
    }
}
