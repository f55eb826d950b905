using Zamio.Central.Plays;
using Zamio.Central.Storage;

namespace Zamio.Central.Tests.Storage;

public sealed class AiringKeysTests
{
    private static readonly DateTimeOffset Start = new(2024, 6, 1, 10, 0, 0, TimeSpan.Zero);

    private static PlayRecord Play(string key, double end = 60, string status = "ongoing") =>
        new("st-k", key, "song1", Start, Start.AddSeconds(end), 0.9, 1.0, status);

    private sealed class CountingLookUp(Dictionary<string, string>? stored = null)
    {
        public List<List<string>> Asked { get; } = [];

        public Task<IReadOnlyDictionary<(string Station, string PlayKey), string>> LookUp(List<PlayRecord> unknown)
        {
            Asked.Add([.. unknown.Select(p => p.PlayKey)]);
            IReadOnlyDictionary<(string, string), string> found = unknown
                .Where(p => stored?.ContainsKey(p.PlayKey) == true)
                .ToDictionary(p => (p.Station, p.PlayKey), p => stored![p.PlayKey]);
            return Task.FromResult(found);
        }
    }

    [Fact]
    public async Task ResolveAsync_KeyRemembered_DoesNotLookUpAgain()
    {
        var keys = new AiringKeys();
        var store = new CountingLookUp();

        var (_, learned) = await keys.ResolveAsync([Play("st-k/1/1")], store.LookUp);
        keys.Remember(learned);
        var (rows, _) = await keys.ResolveAsync([Play("st-k/1/1", end: 90)], store.LookUp);

        Assert.Equal([["st-k/1/1"]], store.Asked);
        Assert.Equal(90, (Assert.Single(rows).End - Start).TotalSeconds);
    }

    [Fact]
    public async Task ResolveAsync_WriteNeverCommitted_LooksUpAgain()
    {
        var keys = new AiringKeys();
        var store = new CountingLookUp();

        await keys.ResolveAsync([Play("st-k/1/1")], store.LookUp);
        await keys.ResolveAsync([Play("st-k/1/1")], store.LookUp);

        Assert.Equal(2, store.Asked.Count);
    }

    [Fact]
    public async Task ResolveAsync_AnotherSessionsStoredAiring_WritesOntoItsKeyFromMemory()
    {
        var keys = new AiringKeys();
        var store = new CountingLookUp(new() { ["st-k/2/1"] = "st-k/1/1" });

        var (rows, learned) = await keys.ResolveAsync([Play("st-k/2/1")], store.LookUp);
        keys.Remember(learned);
        var (later, _) = await keys.ResolveAsync([Play("st-k/2/1", end: 120, status: "closed")], store.LookUp);

        Assert.Equal("st-k/1/1", Assert.Single(rows).PlayKey);
        Assert.Equal(("st-k/1/1", "closed"), (Assert.Single(later).PlayKey, Assert.Single(later).Status));
        Assert.Single(store.Asked);
    }

    [Fact]
    public async Task ResolveAsync_RetractionOfAPlayWrittenOntoAnotherAiring_IsDropped()
    {
        var keys = new AiringKeys();
        var store = new CountingLookUp(new() { ["st-k/2/1"] = "st-k/1/1" });

        var (rows, _) = await keys.ResolveAsync([Play("st-k/2/1", status: "retracted")], store.LookUp);

        Assert.Empty(rows);
    }

    [Fact]
    public async Task ResolveAsync_OwnersUpdateInTheSameBatch_IsTheRowWritten()
    {
        var keys = new AiringKeys();
        var store = new CountingLookUp(new() { ["st-k/2/1"] = "st-k/1/1" });

        var (rows, _) = await keys.ResolveAsync([Play("st-k/2/1", end: 100), Play("st-k/1/1", end: 200, status: "closed")], store.LookUp);

        var row = Assert.Single(rows);
        Assert.Equal(("st-k/1/1", 200.0, "closed"), (row.PlayKey, (row.End - Start).TotalSeconds, row.Status));
    }

    [Fact]
    public async Task Remember_PastCapacity_StartsAfreshAndLooksUpAgain()
    {
        var keys = new AiringKeys();
        var store = new CountingLookUp();
        keys.Remember([(Play("st-k/0/0"), "st-k/0/0")]);

        keys.Remember(Enumerable.Range(1, AiringKeys.Capacity).Select(i => (Play($"st-k/1/{i}"), $"st-k/1/{i}")));
        keys.Remember([(Play("st-k/9/9"), "st-k/9/9")]);
        await keys.ResolveAsync([Play("st-k/0/0"), Play("st-k/9/9")], store.LookUp);

        Assert.Equal([["st-k/0/0"]], store.Asked);
    }
}
