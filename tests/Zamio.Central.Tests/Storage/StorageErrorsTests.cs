using Microsoft.Data.Sqlite;
using Npgsql;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Storage;

public sealed class StorageErrorsTests
{
    [Theory]
    [InlineData("25006")] // read-only transaction: a failover landed on a standby
    [InlineData("28P01")] // password refused: a credential rotation in progress
    [InlineData("28000")]
    [InlineData("3D000")] // database does not exist (yet)
    [InlineData("57P01")] // administrator shutdown
    public void IsTransient_PostgresUnavailable_ReturnsTrue(string sqlState) =>
        Assert.True(StorageErrors.IsTransient(new PostgresException("unavailable", "FATAL", "FATAL", sqlState)));

    [Theory]
    [InlineData("23514")] // check violation
    [InlineData("22001")] // value too long
    [InlineData("42703")] // undefined column
    public void IsTransient_PostgresRefusesTheRow_ReturnsFalse(string sqlState) =>
        Assert.False(StorageErrors.IsTransient(new PostgresException("refused", "ERROR", "ERROR", sqlState)));

    [Theory]
    [InlineData(5, true)] // busy
    [InlineData(8, true)] // read-only file
    [InlineData(13, true)] // disk full
    [InlineData(14, true)] // cannot open
    [InlineData(19, false)] // constraint
    public void IsTransient_SqliteError_RetriesOnlyTheFilesCondition(int code, bool transient) =>
        Assert.Equal(transient, StorageErrors.IsTransient(new SqliteException("sqlite", code)));
}
