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
        var path = Write(" Artist ,ISRC,ID,Title", "A,gb-aye-06-01498,x9,T", string.Empty, "B,,y1,");

        var rows = MetadataCsv.Read(path);

        Assert.Equal(new TrackMetadata("T", "A", "GBAYE0601498"), rows["x9"]);
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
    public void Read_DuplicateId_NamesBothLines()
    {
        var path = Write("id,title", "a,first", "b,other", "a,second");

        var error = Assert.Throws<FormatException>(() => MetadataCsv.Read(path));
        Assert.Contains(":4: id 'a' is listed again (first on line 2)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-an-isrc")]
    [InlineData("GB-ABC-12-3456")]
    [InlineData("12ABC1234567")]
    public void Read_NotAnIsrc_NamesTheLine(string isrc)
    {
        var path = Write("id,isrc", "a,GBAYE0601498", $"b,{isrc}");

        var error = Assert.Throws<FormatException>(() => MetadataCsv.Read(path));
        Assert.Contains($":3: '{isrc}' is not an ISRC", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Latin1Text_IsRefusedAsNotUtf8()
    {
        var path = _dir.Combine("latin1.csv");
        File.WriteAllBytes(path, [.. "id,title\na,Caf"u8, 0xE9]);

        Assert.Contains("not UTF-8", Assert.Throws<FormatException>(() => MetadataCsv.Read(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SemicolonSeparated_SaysSo()
    {
        var path = Write("id;title", "a;T");

        Assert.Contains("another separator", Assert.Throws<FormatException>(() => MetadataCsv.Read(path)).Message, StringComparison.Ordinal);
    }

    private string Write(params string[] lines)
    {
        var path = _dir.Combine(Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllLines(path, lines);
        return path;
    }
}
