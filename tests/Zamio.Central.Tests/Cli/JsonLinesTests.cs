using System.Text.Json;
using Zamio.Central.Cli;

namespace Zamio.Central.Tests.Cli;

public sealed class JsonLinesTests
{
    [Theory]
    [InlineData(-0.001, "0")]
    [InlineData(-0.006, "-0.01")]
    [InlineData(12.345, "12.35")]
    public void Round_Value_PrintsWithoutANegativeZero(double value, string printed) =>
        Assert.Equal(printed, JsonSerializer.Serialize(JsonLines.Round(value)));

    [Fact]
    public void Line_TextWithAccentsQuotesAndControls_PrintsReadableValidJson()
    {
        var line = JsonLines.Line(new { Title = "Café \"Ñandú\" & O'Brien\n" });

        Assert.Equal("{\"title\":\"Café \\\"Ñandú\\\" & O'Brien\\n\"}", line);
        Assert.Equal("Café \"Ñandú\" & O'Brien\n", JsonDocument.Parse(line).RootElement.GetProperty("title").GetString());
    }
}
