using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Storage;

public sealed class AirplayReportTests
{
    [Theory]
    [InlineData("Plain title", "Plain title")]
    [InlineData("One, the song", "\"One, the song\"")]
    [InlineData("The \"Best\" Song", "\"The \"\"Best\"\" Song\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("-5 dB", "'-5 dB")]
    [InlineData("@home", "'@home")]
    [InlineData(null, "")]
    public void Cell_Text_IsQuotedAndKeptFromRunningAsAFormula(string? text, string expected) =>
        Assert.Equal(expected, AirplayReport.Cell(text));

    [Fact]
    public void Cell_Identifier_IsKeptExactForJoins() =>
        Assert.Equal(("-north", "\"a,b\""), (AirplayReport.Cell("-north", guard: false), AirplayReport.Cell("a,b", guard: false)));

    [Fact]
    public void CheckPeriod_TheLongestPeriod_IsAccepted()
    {
        var from = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Null(AirplayReport.CheckPeriod(from, from + AirplayReport.MaxPeriod));
        Assert.NotNull(AirplayReport.CheckPeriod(from, from + AirplayReport.MaxPeriod + TimeSpan.FromSeconds(1)));
    }
}
