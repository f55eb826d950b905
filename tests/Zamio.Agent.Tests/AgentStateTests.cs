using Zamio.Agent.Status;

namespace Zamio.Agent.Tests;

public sealed class AgentStateTests
{
    [Fact]
    public void SetStreamTitle_LongestIcyTitle_KeptShortAndWhole()
    {
        var state = new AgentState();
        // 4,080 bytes is the most one ICY metadata block carries: 1,020 emoji, each a surrogate pair in a .NET string.
        var title = string.Concat(Enumerable.Repeat("🎵", 1020));

        state.SetStreamTitle(title);

        var kept = state.StreamTitle!;
        Assert.InRange(kept.Length, 290, 300);
        Assert.StartsWith(kept[..^1], title, StringComparison.Ordinal);
        Assert.EndsWith("…", kept, StringComparison.Ordinal);
        Assert.True(char.IsLowSurrogate(kept[^2]));
    }

    [Fact]
    public void CaptureFailed_LongMessage_KeptShort()
    {
        var state = new AgentState();

        state.CaptureFailed(new string('x', 5000));

        Assert.Equal(300, state.LastCaptureError!.Length);
        Assert.Equal(1, state.CaptureErrors);
    }

    [Fact]
    public void SetStreamTitle_ShortTitle_KeptAsItIs()
    {
        var state = new AgentState();

        state.SetStreamTitle("Artist - Song");

        Assert.Equal("Artist - Song", state.StreamTitle);
    }
}
