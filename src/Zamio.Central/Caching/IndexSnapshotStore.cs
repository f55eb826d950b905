using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Zamio.Shared.Fingerprinting;
using Zamio.Shared.Indexing;

namespace Zamio.Central.Caching;

public enum SnapshotWriteResult
{
    /// <summary>This instance wrote the snapshot.</summary>
    Written,

    /// <summary>Redis already holds a snapshot of this catalogue version.</summary>
    Current,

    /// <summary>Another instance is writing one.</summary>
    Busy,

    /// <summary>The catalogue moved on (or this index is behind it); a later change triggers another write.</summary>
    Stale,
}

/// <summary>
/// The built index in Redis (see <see cref="IndexSnapshot"/>), so a new instance loads it instead of hashing every
/// peak: <c>{prefix}:index:v{algorithm}:snapshot</c> holds the <see cref="SnapshotManifest"/>, and
/// <c>…:snapshot:{id}:{n}</c> its chunks. One writer at a time (<c>…:snapshot:lock</c>, SET NX with expiry); the
/// manifest is replaced only while the catalogue version still equals the snapshot's, and a replaced snapshot's
/// chunks expire a minute later rather than vanishing under an instance still reading them.
/// </summary>
public sealed partial class IndexSnapshotStore(RedisConnection redis, IOptions<RedisOptions> options, ILogger<IndexSnapshotStore> logger)
{
    private static readonly TimeSpan ReplacedChunksLinger = TimeSpan.FromMinutes(1);

    // KEYS: lock, catalogue version, manifest, new chunks…; ARGV: lock token, snapshot version, manifest text.
    private const string CommitScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[2] then return -1 end
        for i = 4, #KEYS do redis.call('PERSIST', KEYS[i]) end
        redis.call('SET', KEYS[3], ARGV[3])
        return 1
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private string Base => $"index:v{FingerprintSettings.AlgorithmVersion}:snapshot";

    private RedisKey ManifestKey => redis.Key(Base);

    private RedisKey LockKey => redis.Key(Base + ":lock");

    /// <summary>Until a writer that died mid-write stops blocking the others; its chunks expire with it.</summary>
    private TimeSpan LockLifetime => TimeSpan.FromMilliseconds(options.Value.SnapshotTimeoutMilliseconds * 4L);

    /// <summary>Whether snapshots are used at all (<see cref="RedisOptions.IndexSnapshots"/>).</summary>
    public bool Enabled => options.Value.IndexSnapshots;

    public RedisKey ChunkKey(string id, int n) => redis.Key($"{Base}:{id}:{n}");

    public async Task<SnapshotManifest?> ManifestAsync()
    {
        string? text = await redis.Database.StringGetAsync(ManifestKey).ConfigureAwait(false);
        var manifest = SnapshotManifest.Parse(text);
        if (manifest is null && text is not null)
        {
            LogForeignManifest(logger, text.Length > 80 ? text[..80] : text);
        }

        return manifest;
    }

    /// <summary>
    /// The snapshot of catalogue version <paramref name="version"/>; null when Redis holds none, or one of another
    /// version or format. Throws <see cref="InvalidDataException"/> when it is there but damaged.
    /// </summary>
    public async Task<FingerprintIndex?> TryLoadAsync(long version, CancellationToken cancellationToken)
    {
        var manifest = await ManifestAsync().ConfigureAwait(false);
        if (manifest is null)
        {
            return null;
        }

        if (manifest.CatalogueVersion != version)
        {
            LogStale(logger, manifest.CatalogueVersion, version);
            return null;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Few chunks in flight or waiting: pooled buffers are reused instead of touching a gigabyte of fresh memory.
        var arrived = Channel.CreateBounded<Lease<byte>>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var producing = FetchChunksAsync(manifest, arrived.Writer, cts.Token);
        // Decoding runs on a thread of its own, taking each chunk as it arrives, so it overlaps the transfer.
        var decoding = Task.Factory.StartNew(() => Decode(manifest, arrived.Reader, cts.Token), cts.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            var index = await decoding.ConfigureAwait(false);
            await producing.ConfigureAwait(false);
            return index;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(Task.WhenAll(producing, decoding)).ConfigureAwait(false);
            // A failed transfer truncates the decoder's input; the transfer's own error says more.
            if (producing.Exception?.InnerException is { } cause)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
    }

    private async Task FetchChunksAsync(SnapshotManifest manifest, ChannelWriter<Lease<byte>> arrived, CancellationToken cancellationToken)
    {
        const int InFlight = 2;
        try
        {
            var db = redis.BulkDatabase;
            var pending = new Queue<Task<Lease<byte>?>>();
            var next = 0;
            for (var n = 0; n < manifest.ChunkCount; n++)
            {
                // Pipelined: the next GETs are sent before this one's answer is awaited.
                while (pending.Count < InFlight && next < manifest.ChunkCount)
                {
                    pending.Enqueue(db.StringGetLeaseAsync(ChunkKey(manifest.Id, next++)));
                }

                var lease = await pending.Dequeue().WaitAsync(cancellationToken).ConfigureAwait(false);
                if (lease is null || lease.Length != manifest.ChunkLength(n) || SnapshotManifest.Hash(lease.Span) != manifest.ChunkHashes[n])
                {
                    lease?.Dispose();
                    throw new InvalidDataException($"index snapshot {manifest.Id} chunk {n} is missing or damaged");
                }

                await arrived.WriteAsync(lease, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            arrived.Complete();
        }
    }

    private static FingerprintIndex Decode(SnapshotManifest manifest, ChannelReader<Lease<byte>> arrived, CancellationToken cancellationToken)
    {
        using var stream = new ChunkReadStream(Consume(arrived, cancellationToken), manifest.TotalBytes);
        var index = IndexSnapshot.Read(stream, out var version);
        return version == manifest.CatalogueVersion ? index
            : throw new InvalidDataException($"index snapshot {manifest.Id} says version {version}, its manifest {manifest.CatalogueVersion}");
    }

    /// <summary>The chunks in order, each returned to the pool once the decoder has moved past it.</summary>
    private static IEnumerable<ReadOnlyMemory<byte>> Consume(ChannelReader<Lease<byte>> arrived, CancellationToken cancellationToken)
    {
        // Blocking is fine here: the decoder has a thread of its own.
        while (arrived.WaitToReadAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
        {
            while (arrived.TryRead(out var lease))
            {
                using (lease)
                {
                    yield return lease.Memory;
                }
            }
        }
    }

    /// <summary>Writes <paramref name="index"/> as the snapshot of catalogue version <paramref name="version"/>.</summary>
    public async Task<SnapshotWriteResult> TryWriteAsync(FingerprintIndex index, long version, CancellationToken cancellationToken)
    {
        var db = redis.Database;
        var previous = await ManifestAsync().ConfigureAwait(false);
        if (previous?.CatalogueVersion == version)
        {
            return SnapshotWriteResult.Current;
        }

        if (((long?)await db.StringGetAsync(RedisCatalogChangeFeed.VersionKey(redis)).ConfigureAwait(false) ?? 0) != version)
        {
            return SnapshotWriteResult.Stale;
        }

        var token = Guid.NewGuid().ToString("N");
        if (!await db.StringSetAsync(LockKey, token, LockLifetime, When.NotExists).ConfigureAwait(false))
        {
            return SnapshotWriteResult.Busy;
        }

        var id = Guid.NewGuid().ToString("N")[..16];
        var hashes = new List<ulong>();
        try
        {
            // Encoding a large index is seconds of CPU and synchronous I/O: off the caller's thread.
            var total = await Task.Run(() => WriteChunks(index, version, id, hashes), cancellationToken).ConfigureAwait(false);
            var manifest = new SnapshotManifest(version, id, total, options.Value.SnapshotChunkBytes, hashes);
            RedisKey[] keys = [LockKey, RedisCatalogChangeFeed.VersionKey(redis), ManifestKey, .. Enumerable.Range(0, hashes.Count).Select(n => ChunkKey(id, n))];
            var committed = (int)await db.ScriptEvaluateAsync(CommitScript, keys, [token, version, manifest.Format()]).ConfigureAwait(false);
            if (committed != 1)
            {
                await DeleteChunksAsync(id, hashes.Count).ConfigureAwait(false);
                return committed == 0 ? SnapshotWriteResult.Busy : SnapshotWriteResult.Stale;
            }

            if (previous is not null)
            {
                await ExpireChunksAsync(previous).ConfigureAwait(false);
            }

            LogWritten(logger, version, total / 1048576.0, hashes.Count);
            return SnapshotWriteResult.Written;
        }
        catch
        {
            await DeleteChunksAsync(id, hashes.Count).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await db.ScriptEvaluateAsync(ReleaseScript, [LockKey], [token]).ConfigureAwait(false);
        }
    }

    private long WriteChunks(FingerprintIndex index, long version, string id, List<ulong> hashes)
    {
        var db = redis.BulkDatabase;
        var expiry = LockLifetime;
        // Synchronous SETs: each returns once Redis has the chunk, so the stream can reuse its one buffer.
        using var stream = new ChunkWriteStream(options.Value.SnapshotChunkBytes, (n, chunk) =>
        {
            hashes.Add(SnapshotManifest.Hash(chunk.Span));
            db.StringSet(ChunkKey(id, n), chunk, expiry);
        });
        IndexSnapshot.Write(stream, index, version);
        stream.Flush();
        return stream.Length;
    }

    private Task DeleteChunksAsync(string id, int count) =>
        count == 0 ? Task.CompletedTask : redis.Database.KeyDeleteAsync([.. Enumerable.Range(0, count).Select(n => ChunkKey(id, n))]);

    private async Task ExpireChunksAsync(SnapshotManifest replaced)
    {
        var batch = redis.Database.CreateBatch();
        var expiries = Enumerable.Range(0, replaced.ChunkCount).Select(n => batch.KeyExpireAsync(ChunkKey(replaced.Id, n), ReplacedChunksLinger)).ToList();
        batch.Execute();
        await Task.WhenAll(expiries).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Index snapshot of catalogue version {Version} written to Redis: {MiB:F0} MiB in {Chunks} chunk(s)")]
    private static partial void LogWritten(ILogger logger, long version, double miB, int chunks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Index snapshot in Redis is of catalogue version {Snapshot}, not {Current}; building the index instead")]
    private static partial void LogStale(ILogger logger, long snapshot, long current);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Index snapshot manifest in Redis is of another format ('{Text}'); ignored")]
    private static partial void LogForeignManifest(ILogger logger, string text);
}
