using Zamio.Central.Catalog;

namespace Zamio.Central.Tests.Catalog;

public sealed class MetadataCsvTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Read_QuotedFields_CommasAndDoubledQuotesKept()
    {
        var path = Write(
            "id,title,artist,isrc",
            "t1,\"Hello, World\",\"The \"\"Quotes\"\"\",GBAAA0000001",
            "t2,Plain,Someone,");

        var rows = MetadataCsv.Read(path);

        Assert.Equal(2, rows.Count);
        Assert.Equal(new TrackMetadata("Hello, World", "The \"Quotes\"", "GBAAA0000001"), rows["t1"]);
        Assert.Equal(new TrackMetadata("Plain", "Someone", null), rows["t2"]);
    }

    [Fact]
    public void Read_HeaderInAnyOrderAndCase_MapsColumnsByName()
    {
        var path = Write(" Artist ,ISRC,ID,Title", "A,I,x9,T", string.Empty, "B,,y1,");

        var rows = MetadataCsv.Read(path);

        Assert.Equal(new TrackMetadata("T", "A", "I"), rows["x9"]);
        Assert.Equal(new TrackMetadata(null, "B", null), rows["y1"]);
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public void Read_OnlyIdColumnAndShortRows_OtherFieldsNull()
    {
        var path = Write("id,title", "only-id");

        var rows = MetadataCsv.Read(path);

        Assert.Equal(TrackMetadata.None, rows["only-id"]);
    }

    [Fact]
    public void Read_QuoteNotClosed_FormatExceptionNamingLine()
    {
        var path = Write("id,title", "a,\"Hello, World");

        var error = Assert.Throws<FormatException>(() => MetadataCsv.Read(path));
        Assert.Contains(":2: a quoted field is not closed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Folder_FileNotFoundSayingSo()
    {
        var error = Assert.Throws<FileNotFoundException>(() => MetadataCsv.Read(_dir.Path));
        Assert.Contains("is a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoIdColumn_FormatException()
    {
        var path = Write("title,artist", "a,b");

        var error = Assert.Throws<FormatException>(() => MetadataCsv.Read(path));
        Assert.Contains("id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RowWithoutId_FormatExceptionNamingLine()
    {
        var path = Write("id,title", "a,first", ",second");

        var error = Assert.Throws<FormatException>(() => MetadataCsv.Read(path));
        Assert.Contains(":3:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EmptyFile_FormatException()
    {
        var path = _dir.Combine("empty.csv");
        File.WriteAllText(path, string.Empty);

        Assert.Throws<FormatException>(() => MetadataCsv.Read(path));
    }

    [Fact]
    public void Read_DuplicateId_LastRowWins()
    {
        var path = Write("id,title", "a,first", "a,second");

        Assert.Equal("second", Assert.Single(MetadataCsv.Read(path)).Value.Title);
    }

    private string Write(params string[] lines)
    {
        var path = _dir.Combine(Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllLines(path, lines);
        return path;
    }
}
