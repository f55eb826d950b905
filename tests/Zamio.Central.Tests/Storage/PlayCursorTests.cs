using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Storage;

public sealed class PlayCursorTests
{
    [Fact]
    public void TryDecode_EncodedCursor_RoundTripsToTheTick()
    {
        var cursor = new PlayCursor(new DateTimeOffset(2026, 11, 2, 9, 0, 23, TimeSpan.Zero).AddTicks(1234567), "joy-fm/1700000000000-0-3/12");

        Assert.True(PlayCursor.TryDecode(cursor.Encode(), out var decoded));

        Assert.Equal(cursor, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 at all!")]
    [InlineData("MTIzNDU")] // "12345": no play key
    [InlineData("OmpveS1mbQ")] // ":joy-fm": no time
    [InlineData("LTE6am95LWZt")] // "-1:joy-fm"
    [InlineData("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk6am95LWZt")] // beyond the last representable time
    public void TryDecode_Garbage_IsRefused(string token)
    {
        Assert.False(PlayCursor.TryDecode(token, out var cursor));
        Assert.Null(cursor);
    }

    [Fact]
    public void TryDecode_OverlongToken_IsRefusedWithoutDecoding() =>
        Assert.False(PlayCursor.TryDecode(new string('A', 10_000), out _));
}
