namespace Zamio.Bench.Tests;

/// <summary>The scorer's own checks on hand-made truth and predictions run with every test run, so a scoring bug
/// cannot pass for an engine change in the accuracy figures.</summary>
public class SelfTestTests
{
    [Fact]
    public void Run_HandMadeTruthAndPredictions_EveryCheckPasses() => Assert.Equal(0, SelfTest.Run());
}
