using Microsoft.Extensions.Options;
using Zamio.Central.Caching;
using Zamio.Central.Ingest;
using Zamio.Central.Plays;
using Zamio.Central.Tests.Serve;
using Zamio.Shared.Wire;

namespace Zamio.Central.Tests.Ingest;

public sealed class IngestWorkerTests : IAsyncLifetime
{
    private static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(120);

    private IngestRig _rig = null!;
    private IngestWorker _worker = null!;

    public async Task InitializeAsync()
    {
        _rig = await IngestRig.StartAsync();
        _worker = _rig.Worker(IdleClose);
    }

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task CloseIdleStations_StationSilentForTheIdleTime_ClosesItsPlayAtTheLastEvidence()
    {
        await SendAsync(0, 12); // the first 24 s of the song, then nothing
        var ongoing = Assert.Single(await _rig.StoredAsync());
        Assert.Equal(("ongoing", ServeFixture.TrackId(IngestRig.PlayedSeed)), (ongoing.Status, ongoing.Track));
        Assert.InRange((ongoing.End - StationFeed.CaptureStart).TotalSeconds, 16, 24);

        _rig.Time.Advance(IdleClose - TimeSpan.FromSeconds(1));
        _worker.CloseIdleStations();
        Assert.Equal(ongoing, Assert.Single(await _rig.StoredAsync()));

        _rig.Time.Advance(TimeSpan.FromSeconds(1));
        _worker.CloseIdleStations();

        Assert.Equal(ongoing with { Status = "closed" }, Assert.Single(await _rig.StoredAsync()));
    }

    [Fact]
    public async Task CloseIdleStations_StillSilentAfterTheClose_WritesNothingMore()
    {
        await SendAsync(0, 12);
        _rig.Time.Advance(IdleClose);
        _worker.CloseIdleStations();
        Assert.Equal("closed", Assert.Single(await _rig.StoredAsync()).Status);
        var written = _rig.Plays.State.Written;

        _rig.Time.Advance(IdleClose * 3);
        _worker.CloseIdleStations();

        Assert.Single(await _rig.StoredAsync());
        Assert.Equal(written, _rig.Plays.State.Written);
    }

    [Fact]
    public async Task ProcessAsync_PacketsResumeAfterAnIdleClose_SamePlayOngoingAgainInOneRow()
    {
        await SendAsync(0, 12);
        _rig.Time.Advance(IdleClose);
        _worker.CloseIdleStations();
        var closed = Assert.Single(await _rig.StoredAsync());
        Assert.Equal("closed", closed.Status);

        // The outage lasts; then the agent's spool replays what followed, in order.
        _rig.Time.Advance(TimeSpan.FromMinutes(10));
        await SendAsync(12, 16);

        var resumed = Assert.Single(await _rig.StoredAsync());
        Assert.Equal((closed.PlayKey, closed.Start, "ongoing"), (resumed.PlayKey, resumed.Start, resumed.Status));
        Assert.True(resumed.End > closed.End, $"end {resumed.End:O} should pass the idle close's {closed.End:O}");

        // Silent again: closed again, at the later end.
        _rig.Time.Advance(IdleClose);
        _worker.CloseIdleStations();
        Assert.Equal(resumed with { Status = "closed" }, Assert.Single(await _rig.StoredAsync()));
    }

    [Fact]
    public async Task CloseIdleStations_SilentForADay_ForgetsTheStationWhichStartsANewSessionIfItReturns()
    {
        await SendAsync(0, 12);
        _rig.Time.Advance(IdleClose);
        _worker.CloseIdleStations();
        var closed = Assert.Single(await _rig.StoredAsync());
        _rig.Time.Advance(IngestWorker.ForgetAfter - IdleClose);
        _worker.CloseIdleStations();

        await SendAsync(12, 16);

        // Within the day the same row would reopen (see the test above); a new session writes rows of its own.
        var stored = await _rig.StoredAsync();
        Assert.Contains(closed, stored);
        Assert.Contains(stored, p => p.Status == "ongoing" && !p.PlayKey.StartsWith(closed.PlayKey[..closed.PlayKey.LastIndexOf('/')], StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessAsync_StreamResumesPastTheSongsEnd_SameRowClosedAtTheSongsEnd()
    {
        await SendAsync(0, 12);
        _rig.Time.Advance(IdleClose);
        _worker.CloseIdleStations();
        var idleClosed = Assert.Single(await _rig.StoredAsync());

        await SendAsync(12, _rig.Packets.Count); // the rest of the song and 40 s of silence: the tracker closes the play itself

        await AssertOneRowClosedAtTheSongsEndAsync(idleClosed);
    }

    [Fact]
    public async Task ProcessAsync_CentralRestartsMidSong_TheNewSessionCarriesTheSameRowToTheSongsEnd()
    {
        await SendAsync(0, 12);
        var before = Assert.Single(await _rig.StoredAsync());
        Assert.Equal("ongoing", before.Status);

        // The process stops; a new one (another instance id, no memory of the stream) takes the station's packets on.
        _worker = _rig.Worker(IdleClose, instance: "2");
        await SendToNewSessionAsync(12, _rig.Packets.Count);

        await AssertOneRowClosedAtTheSongsEndAsync(before);
    }

    [Fact]
    public async Task CloseIdleStations_StationMovedToAnotherInstance_LeavesThePlayCarriedOnThere()
    {
        await SendAsync(0, 12);
        Assert.Equal("ongoing", Assert.Single(await _rig.StoredAsync()).Status);
        var before = _worker;

        // Another instance takes the station on (membership changed) while this one keeps running.
        _worker = _rig.Worker(IdleClose, instance: "2");
        await SendToNewSessionAsync(12, 16);
        var carried = Assert.Single(await _rig.StoredAsync());
        Assert.Equal("ongoing", carried.Status);

        _rig.Time.Advance(IdleClose);
        before.CloseIdleStations();

        Assert.Equal(carried, Assert.Single(await _rig.StoredAsync()));
    }

    [Fact]
    public async Task ProcessAsync_StationReturnsFromAnotherInstance_CarriesOnThePlayWrittenThereInOneRow()
    {
        await SendAsync(0, 1);
        Assert.Empty(await _rig.StoredAsync());
        var first = _worker;

        // The station moves to another instance, which reports the song...
        _worker = _rig.Worker(IdleClose, instance: "2");
        await SendToNewSessionAsync(1, 12);
        var there = Assert.Single(await _rig.StoredAsync());
        Assert.Equal("ongoing", there.Status);

        // ...and comes back to the first, whose session for it is still there, silent since.
        _rig.Time.Advance(TimeSpan.FromSeconds(30));
        _worker = first;
        await SendToResumedSessionAsync(12, _rig.Packets.Count);

        // One row, the other instance's, now closed; its start is the earliest evidence either session had.
        var play = Assert.Single(await _rig.StoredAsync());
        Assert.Equal((there.PlayKey, "closed"), (play.PlayKey, play.Status));
        Assert.InRange((play.Start - StationFeed.CaptureStart).TotalSeconds, 0, (there.Start - StationFeed.CaptureStart).TotalSeconds);
        Assert.InRange((play.End - StationFeed.CaptureStart).TotalSeconds, ServeFixture.SongSeconds - 3, ServeFixture.SongSeconds + 1.5);
    }

    [Fact]
    public async Task ProcessAsync_StationResumesAfterASilence_ItsOngoingPlayCarriesOnInTheSameRow()
    {
        await SendAsync(0, 12);
        var before = Assert.Single(await _rig.StoredAsync());

        // 12 s of the station's audio went elsewhere (or nowhere) meanwhile.
        _rig.Time.Advance(TimeSpan.FromSeconds(30));
        await SendToResumedSessionAsync(18, 19);

        var resumed = Assert.Single(await _rig.StoredAsync());
        Assert.Equal((before.PlayKey, before.Start, "ongoing"), (resumed.PlayKey, resumed.Start, resumed.Status));
        Assert.True(resumed.End >= before.End, $"end {resumed.End:O} should not fall behind {before.End:O}");
    }

    [Fact]
    public async Task ProcessAsync_RestartAfterTheSongEnded_PlayLeftOngoingIsClosedAtItsLastEvidence()
    {
        await SendAsync(0, 12);
        var before = Assert.Single(await _rig.StoredAsync());

        // The station went quiet while central was down: the new session hears only silence, never the song.
        _worker = _rig.Worker(IdleClose, instance: "2");
        await SendToNewSessionAsync(_rig.Packets.Count - 5, _rig.Packets.Count);

        Assert.Equal(before with { Status = "closed" }, Assert.Single(await _rig.StoredAsync()));
    }

    [Theory]
    [InlineData(20, "ongoing")] // answered while the new session's own play is still on air
    [InlineData(-1, "closed")] // answered only after the new session heard the song out and closed its own play
    public async Task ProcessAsync_EarlierPlaysReadLate_OwnRowIsRetractedAndTheAiringKeepsTheEarlierRow(int answeredAtPacket, string ownStatus)
    {
        await SendAsync(0, 12);
        var before = Assert.Single(await _rig.StoredAsync());

        // Restart against a slow database: the new session reports the song before it learns of the earlier play.
        using var gate = new ManualResetEventSlim();
        _rig.Backend.OngoingGate = gate;
        _worker = _rig.Worker(IdleClose, instance: "2");
        var answeredAt = answeredAtPacket >= 0 ? answeredAtPacket : _rig.Packets.Count + answeredAtPacket;
        await SendAsync(12, answeredAt);
        Assert.Contains(await _rig.StoredAsync(), p => p.PlayKey != before.PlayKey && p.Status == ownStatus);
        await AnswerLookupAsync(gate);
        await SendAsync(answeredAt, _rig.Packets.Count);

        await AssertOneRowClosedAtTheSongsEndAsync(before);
    }

    [Fact]
    public async Task ProcessAsync_EarlierPlaysCannotBeRead_IngestGoesOnAndRecordsThePlay()
    {
        _rig.Backend.OngoingUnavailable = true;

        await SendAsync(0, _rig.Packets.Count);

        var play = Assert.Single(await _rig.StoredAsync());
        Assert.Equal(("closed", ServeFixture.TrackId(IngestRig.PlayedSeed)), (play.Status, play.Track));
    }

    /// <summary>The station's stored plays are one row, <paramref name="row"/>'s (same key and start), closed at the song's end.</summary>
    private async Task AssertOneRowClosedAtTheSongsEndAsync(PlayRecord row)
    {
        var play = Assert.Single(await _rig.StoredAsync());
        Assert.Equal((row.PlayKey, row.Start, "closed"), (play.PlayKey, play.Start, play.Status));
        Assert.InRange((play.End - StationFeed.CaptureStart).TotalSeconds, ServeFixture.SongSeconds - 3, ServeFixture.SongSeconds + 1.5);
    }

    /// <summary>Lets the slow lookup answer and waits until it has, so the next packet takes the answer.</summary>
    private async Task AnswerLookupAsync(ManualResetEventSlim gate)
    {
        var lookup = _worker.PendingOrphanLookup(IngestRig.Station);
        Assert.NotNull(lookup);
        gate.Set();
        await lookup.WaitAsync(IngestRig.Patience);
    }

    /// <summary>
    /// Sends to a worker that has no session for the station yet: the first packet starts the session and its lookup
    /// of earlier plays, which on a busy machine may outlast the worker's short wait; the rest follow once it answered,
    /// as they would on air, where the next packet comes seconds later.
    /// </summary>
    private async Task SendToNewSessionAsync(int from, int to)
    {
        await SendAsync(from, from + 1);
        if (_worker.PendingOrphanLookup(IngestRig.Station) is { } lookup)
        {
            await lookup.WaitAsync(IngestRig.Patience);
        }

        await SendAsync(from + 1, to);
    }

    /// <summary>Sends to a session back from a gap in its audio, whose first packet starts a new lookup of earlier plays.</summary>
    private Task SendToResumedSessionAsync(int from, int to) => SendToNewSessionAsync(from, to);

    [Fact]
    public async Task Revoke_RemovedStationWithAnOngoingPlay_ClosesThePlayAndRefusesItsLaterPackets()
    {
        await SendAsync(0, 12);
        var ongoing = Assert.Single(await _rig.StoredAsync());
        Assert.Equal("ongoing", ongoing.Status);
        Assert.True(_rig.Stations.Remove(IngestRig.Station));

        _worker.Revoke(IngestRig.Station);

        Assert.Equal(ongoing with { Status = "closed" }, Assert.Single(await _rig.StoredAsync()));
        var before = _rig.Activity.State(IngestRig.Station);
        await SendAsync(12, 16);
        var after = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((before.Accepted, before.Rejected + 4), (after.Accepted, after.Rejected));
        Assert.Equal(ongoing with { Status = "closed" }, Assert.Single(await _rig.StoredAsync()));
    }

    [Fact]
    public async Task ProcessAsync_ManyStrangersOverTime_RefusalMemoKeepsOnlyRecentOnes()
    {
        var silence = SyntheticSong.Silence(2);
        foreach (var stranger in Enumerable.Range(0, 1100).Select(i => $"stranger-{i}"))
        {
            await _worker.ProcessAsync(IngestRig.Inbound(StationFeed.Packets(stranger, silence)[0]));
        }

        Assert.Equal(1100, _worker.UnknownRemembered);
        _rig.Time.Advance(TimeSpan.FromSeconds(6));
        await _worker.ProcessAsync(IngestRig.Inbound(StationFeed.Packets("stranger-late", silence)[0]));

        Assert.Equal(1, _worker.UnknownRemembered);
        Assert.Equal(1, _rig.Activity.State("stranger-late").Rejected);
    }

    [Fact]
    public async Task ProcessAsync_StationAddedAfterItsPacketsWereRefused_AcceptedWithinSeconds()
    {
        _rig.Stations.Remove(IngestRig.Station);
        await SendAsync(0, 2);
        Assert.Equal((0L, 2L), (_rig.Activity.State(IngestRig.Station).Accepted, _rig.Activity.State(IngestRig.Station).Rejected));

        // The operator runs `stations add` on seeing the refusal; the agent's next packets come seconds later.
        _rig.Stations.Add(IngestRig.Station);
        _rig.Time.Advance(TimeSpan.FromSeconds(6));
        await SendAsync(2, 4);

        Assert.Equal(2, _rig.Activity.State(IngestRig.Station).Accepted);
    }

    [Fact]
    public async Task Revoke_StationReAddedBeforeItsNextPacket_StartsAFreshSessionThatIsAccepted()
    {
        await SendAsync(0, 12);
        _rig.Stations.Remove(IngestRig.Station);
        _worker.Revoke(IngestRig.Station);
        _rig.Stations.Add(IngestRig.Station);
        var accepted = _rig.Activity.State(IngestRig.Station).Accepted;

        var closed = Assert.Single(await _rig.StoredAsync());

        await SendAsync(12, 16);

        Assert.Equal(accepted + 4, _rig.Activity.State(IngestRig.Station).Accepted);
        var stored = await _rig.StoredAsync();
        Assert.Contains(closed, stored);
        Assert.Contains(stored, p => p.Status == "ongoing" && p.PlayKey != closed.PlayKey);
    }

    [Theory]
    [InlineData(13UL)] // restarted with its spool: sequence numbers go on
    [InlineData(1UL)] // reinstalled with a new spool: they start again
    public async Task ProcessAsync_AgentRestartsMidSong_NewStreamFromFrameZeroCarriesTheSameAiringOn(ulong firstSequence)
    {
        await SendAsync(0, 12);
        var before = Assert.Single(await _rig.StoredAsync());
        Assert.Equal("ongoing", before.Status);

        // Restarted 30 s after its stream began, an agent counts frames from zero again, while the song plays on.
        var restartAt = TimeSpan.FromSeconds(30);
        var song = SyntheticSong.Generate(IngestRig.PlayedSeed, ServeFixture.SongSeconds);
        var rest = StationFeed.Concat(song[(int)(restartAt.TotalSeconds * SyntheticSong.SampleRate)..], SyntheticSong.Silence(40));
        var packets = StationFeed.Packets(IngestRig.Station, rest, startFrame: 0, firstSequence, StationFeed.CaptureStart + restartAt);
        var accepted = _rig.Activity.State(IngestRig.Station).Accepted;
        foreach (var packet in packets)
        {
            await _worker.ProcessAsync(IngestRig.Inbound(packet));
        }

        Assert.Equal(accepted + packets.Count, _rig.Activity.State(IngestRig.Station).Accepted);
        await _rig.Plays.FlushAsync(CancellationToken.None).WaitAsync(IngestRig.Patience);
        // The new session's lookup of plays left ongoing answers off the ingest thread; a later packet takes it.
        await (_worker.PendingOrphanLookup(IngestRig.Station) ?? Task.CompletedTask).WaitAsync(IngestRig.Patience);
        await _worker.ProcessAsync(IngestRig.Inbound(StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(4), startFrame: packets[^1].StartFrame + packets[^1].FrameCount,
            firstSequence + (ulong)packets.Count, packets[^1].CaptureStart.AddMilliseconds(packets[^1].FrameCount * 32.0))[0]));
        // One airing, one row: the old session's play carried on to the song's end and closed there.
        var after = Assert.Single(await _rig.StoredAsync());
        Assert.Equal((before.PlayKey, before.Start, "closed"), (after.PlayKey, after.Start, after.Status));
        Assert.InRange((after.End - StationFeed.CaptureStart).TotalSeconds, ServeFixture.SongSeconds - 3, ServeFixture.SongSeconds + 1);
    }

    [Fact]
    public async Task ProcessAsync_LatePacketOfTheStreamBeforeARestart_IsADuplicateAndChangesNothing()
    {
        await SendAsync(0, 12);
        var restarted = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(10), startFrame: 0, firstSequence: 13, StationFeed.CaptureStart.AddMinutes(5));
        await _worker.ProcessAsync(IngestRig.Inbound(restarted[0])); // the new session closes what the old one had open
        await (_worker.PendingOrphanLookup(IngestRig.Station) ?? Task.CompletedTask).WaitAsync(IngestRig.Patience);
        await _worker.ProcessAsync(IngestRig.Inbound(restarted[1])); // and the lookup's answer taken: nothing more to close
        var state = _rig.Activity.State(IngestRig.Station);
        var stored = await _rig.StoredAsync();
        Assert.Equal("closed", Assert.Single(stored).Status);

        await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[5])); // QoS 1 redelivery from before the restart

        Assert.Equal((state.Accepted, state.Duplicates + 1), (_rig.Activity.State(IngestRig.Station).Accepted, _rig.Activity.State(IngestRig.Station).Duplicates));
        await _worker.ProcessAsync(IngestRig.Inbound(restarted[2]));
        Assert.Equal(state.Accepted + 1, _rig.Activity.State(IngestRig.Station).Accepted);
        Assert.Equal(stored, await _rig.StoredAsync());
    }

    [Fact]
    public async Task ProcessAsync_AgentRestartsAfterItsStationWasRemoved_OldPlayClosedAndNewStreamRefused()
    {
        await SendAsync(0, 12);
        Assert.True(_rig.Stations.Remove(IngestRig.Station)); // the sweep has not told this worker yet
        var restarted = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(10), startFrame: 0, firstSequence: 13, StationFeed.CaptureStart.AddMinutes(5));
        var rejected = _rig.Activity.State(IngestRig.Station).Rejected;

        await _worker.ProcessAsync(IngestRig.Inbound(restarted[0]));
        _worker.Revoke(IngestRig.Station); // the sweep's notice, now about a session already gone

        Assert.Equal(rejected + 1, _rig.Activity.State(IngestRig.Station).Rejected);
        Assert.Equal("closed", Assert.Single(await _rig.StoredAsync()).Status);
    }

    [Fact]
    public async Task ProcessAsync_TwoAgentsSendingAsOneStation_TheYoungerStreamIsMatchedUntilItGoesQuiet()
    {
        // A second agent with this station's key, started later: its own sequence numbers, frames from zero.
        var younger = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(30), startFrame: 0, firstSequence: 1, StationFeed.CaptureStart.AddMinutes(1));
        await SendAsync(0, 4);
        await _worker.ProcessAsync(IngestRig.Inbound(younger[0]));
        var state = _rig.Activity.State(IngestRig.Station);

        // Taking turns: the older agent's packets (later sequence numbers) are not matched while the younger one is live.
        for (var i = 4; i < 8; i++)
        {
            await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[i]));
            await _worker.ProcessAsync(IngestRig.Inbound(younger[i - 3]));
        }

        var after = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((state.Accepted + 4, state.Duplicates + 4), (after.Accepted, after.Duplicates));

        // The younger agent stops; after 10 s of quiet the older stream takes over again.
        _rig.Time.Advance(TimeSpan.FromSeconds(10));
        await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[8]));
        Assert.Equal(after.Accepted + 1, _rig.Activity.State(IngestRig.Station).Accepted);
    }

    [Fact]
    public async Task ProcessAsync_LateRedeliveryOfAReplacedStreamAfterQuiet_DoesNotTakeTheStationBack()
    {
        await SendAsync(0, 6);
        // The agent restarted: a younger stream, its numbers going on.
        var restarted = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(20), startFrame: 0, firstSequence: 7, StationFeed.CaptureStart.AddMinutes(5));
        await _worker.ProcessAsync(IngestRig.Inbound(restarted[0]));
        _rig.Time.Advance(TimeSpan.FromSeconds(10)); // a lull on the link
        var before = _rig.Activity.State(IngestRig.Station);

        await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[3])); // QoS 1 redelivers a packet of the replaced stream
        await _worker.ProcessAsync(IngestRig.Inbound(restarted[1]));

        var after = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((before.Accepted + 1, before.Duplicates + 1), (after.Accepted, after.Duplicates));
    }

    [Fact]
    public async Task ProcessAsync_LateRedeliveryOfTheYoungerStreamAnEarlierDayReplaced_DoesNotTakeTheStationBack()
    {
        await SendAsync(0, 4);
        _rig.Time.Advance(TimeSpan.FromSeconds(10));
        // A reinstalled agent replays an earlier day after a quiet spell: its older stream takes the station over.
        var earlier = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(20), startFrame: 0, firstSequence: 1, StationFeed.CaptureStart.AddDays(-1));
        await _worker.ProcessAsync(IngestRig.Inbound(earlier[0]));
        await _worker.ProcessAsync(IngestRig.Inbound(earlier[1]));
        var before = _rig.Activity.State(IngestRig.Station);

        await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[3])); // QoS 1 redelivers a packet of the replaced, younger stream
        await _worker.ProcessAsync(IngestRig.Inbound(earlier[2]));
        await _worker.ProcessAsync(IngestRig.Inbound(earlier[3]));

        var after = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((before.Accepted + 2, before.Duplicates + 1), (after.Accepted, after.Duplicates));
    }

    [Fact]
    public async Task ProcessAsync_ReinstalledAgentReplaysAnEarlierDayAfterQuiet_ItsStreamIsMatched()
    {
        await SendAsync(0, 4);
        _rig.Time.Advance(TimeSpan.FromSeconds(10));

        // A new spool numbers from 1 again, and the day it replays began before the stream last matched.
        var earlier = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(10), startFrame: 0, firstSequence: 1, StationFeed.CaptureStart.AddDays(-1));
        var before = _rig.Activity.State(IngestRig.Station);
        foreach (var packet in earlier)
        {
            await _worker.ProcessAsync(IngestRig.Inbound(packet));
        }

        var after = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((before.Accepted + earlier.Count, before.Duplicates), (after.Accepted, after.Duplicates));
    }

    [Fact]
    public async Task ProcessAsync_PacketCapturedAheadOfCentralsClock_IsRejectedAndTheRealStreamStillPlays()
    {
        // One packet of a stream claiming to start a day from now, with the station's own key.
        var ahead = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(2), startFrame: 0, firstSequence: 1_000_000_000, _rig.Time.GetUtcNow().AddDays(1));
        await _worker.ProcessAsync(IngestRig.Inbound(ahead[0]));
        Assert.Equal((0L, 1L), (_rig.Activity.State(IngestRig.Station).Accepted, _rig.Activity.State(IngestRig.Station).Rejected));

        await SendAsync(0, 12);

        Assert.Equal((12L, 0L), (_rig.Activity.State(IngestRig.Station).Accepted, _rig.Activity.State(IngestRig.Station).Duplicates));
        Assert.Equal(ServeFixture.TrackId(IngestRig.PlayedSeed), Assert.Single(await _rig.StoredAsync()).Track);
    }

    [Fact]
    public async Task ProcessAsync_StoreDownWhenTheAgentRestarts_TheNewStreamIsMatchedAsTheStationListedAtTheLastRead()
    {
        _rig.Stations.KeyHashes(); // the station sweep's last read before the outage
        await SendAsync(0, 6);
        _rig.StationBackend.Down = true;
        var before = _rig.Activity.State(IngestRig.Station);

        var restarted = StationFeed.Packets(IngestRig.Station, SyntheticSong.Silence(10), startFrame: 0, firstSequence: 7, StationFeed.CaptureStart.AddMinutes(5));
        foreach (var packet in restarted)
        {
            await _worker.ProcessAsync(IngestRig.Inbound(packet));
        }

        var after = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((before.Accepted + restarted.Count, before.Rejected), (after.Accepted, after.Rejected));
    }

    [Fact]
    public async Task ProcessAsync_StoreDownAndTheStationNotListedAtTheLastRead_IsRejectedWithoutAskingTheStoreAgain()
    {
        _rig.Stations.KeyHashes();
        _rig.StationBackend.Down = true;
        const string added = "st-added-later";
        var packets = StationFeed.Packets(added, SyntheticSong.Silence(4));

        await _worker.ProcessAsync(IngestRig.Inbound(packets[0]));
        var queries = _rig.StationBackend.Queries;
        await _worker.ProcessAsync(IngestRig.Inbound(packets[1]));

        Assert.Equal((0L, 2L), (_rig.Activity.State(added).Accepted, _rig.Activity.State(added).Rejected));
        Assert.Equal(queries, _rig.StationBackend.Queries); // the refusal is remembered: no second wait on a dead database
    }

    [Fact]
    public async Task ProcessAsync_StoreDownSinceCentralStarted_AcceptsTheAuthenticatedStation()
    {
        _rig.StationBackend.Down = true;

        await SendAsync(0, 3);

        Assert.Equal((3L, 0L), (_rig.Activity.State(IngestRig.Station).Accepted, _rig.Activity.State(IngestRig.Station).Rejected));
    }

    [Fact]
    public async Task ProcessAsync_RecordingReplayedFasterThanRealTime_IsMatchedThoughItsLaterPacketsRunAhead()
    {
        // A replay whose stream starts 9 minutes ahead of the clock (within the allowance); its last packets,
        // 80 s of audio later, run more than 10 minutes ahead, as a fast replay's later audio does.
        var audio = StationFeed.Concat(SyntheticSong.Generate(IngestRig.PlayedSeed, ServeFixture.SongSeconds), SyntheticSong.Silence(40));
        var replay = StationFeed.Packets(IngestRig.Station, audio, startFrame: 0, firstSequence: 1, _rig.Time.GetUtcNow().AddMinutes(9));

        foreach (var packet in replay)
        {
            await _worker.ProcessAsync(IngestRig.Inbound(packet));
        }

        Assert.Equal(((long)replay.Count, 0L), (_rig.Activity.State(IngestRig.Station).Accepted, _rig.Activity.State(IngestRig.Station).Rejected));
        Assert.Equal(("closed", ServeFixture.TrackId(IngestRig.PlayedSeed)), (Assert.Single(await _rig.StoredAsync()).Status, Assert.Single(await _rig.StoredAsync()).Track));
    }

    [Fact]
    public async Task ProcessAsync_PacketOverTheSupportLimit_IsDroppedAndCountedForTheStation()
    {
        var (first, second) = (_rig.Packets[0], _rig.Packets[1]);
        Assert.True(second.Support.Length > 0, "the song's packets carry support peaks");

        // A one-second window that holds the first packet's support peaks and not the second's as well.
        var limits = new RateLimitOptions { SupportPeaksPerSecond = first.Support.Length + second.Support.Length - 1, PeakWindowSeconds = 1 };
        var worker = _rig.Worker(IdleClose, limiter: new LocalRateLimiter(Options.Create(limits), _rig.Time));
        await worker.ProcessAsync(IngestRig.Inbound(first));
        await worker.ProcessAsync(IngestRig.Inbound(second));

        var state = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((1L, 0L, 1L), (state.Accepted, state.Rejected, state.Dropped));
        Assert.Equal(new Dictionary<string, long> { [DropReasons.SupportPeaksPerSecond] = 1 }, _rig.Activity.Drops(IngestRig.Station));
        Assert.Equal(1, _rig.Activity.DropTotals[DropReasons.SupportPeaksPerSecond]);

        // A dropped packet was not taken: sent again in the next window, it is matched.
        _rig.Time.Advance(TimeSpan.FromSeconds(1));
        await worker.ProcessAsync(IngestRig.Inbound(second));
        Assert.Equal(2L, _rig.Activity.State(IngestRig.Station).Accepted);
    }

    [Fact]
    public async Task ProcessAsync_LimiterAnswersLater_PacketWaitsWithoutAThreadThenIsTakenOnItsVerdict()
    {
        var limiter = new LaterLimiter();
        var worker = _rig.Worker(IdleClose, limiter: limiter);

        var allowed = worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[0]));
        Assert.False(allowed.IsCompleted);
        Assert.Equal(0L, _rig.Activity.State(IngestRig.Station).Accepted);
        limiter.Answer(RateLimitVerdict.Allowed);
        await allowed;
        Assert.Equal(1L, _rig.Activity.State(IngestRig.Station).Accepted);

        var refused = worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[1]));
        limiter.Answer(RateLimitVerdict.PacketsPerMinute);
        await refused;
        var state = _rig.Activity.State(IngestRig.Station);
        Assert.Equal((1L, 1L), (state.Accepted, state.Dropped));
    }

    [Fact]
    public async Task ProcessAsync_AcceptedRedeliveredAndRefusedPackets_OnlyTheAcceptedArchived()
    {
        var archive = _rig.Archive();
        var worker = _rig.Worker(IdleClose, archive: archive);
        var packets = _rig.Packets;
        var foreign = StationFeed.Packets(IngestRig.OtherStation, SyntheticSong.Generate(2, 2))[0];

        foreach (var packet in new[] { packets[0], packets[1], packets[1], packets[2] })
        {
            await worker.ProcessAsync(IngestRig.Inbound(packet));
        }

        await worker.ProcessAsync(new InboundPacket(IngestRig.Station, IngestRig.Station, foreign.ToArray())); // another station's packet
        await worker.ProcessAsync(new InboundPacket(IngestRig.Station, IngestRig.Station, [1, 2, 3])); // garbage
        archive.Flush();

        var archived = new Central.Archive.ArchiveReader([archive.Root], IngestRig.Station)
            .Read(StationFeed.CaptureStart, StationFeed.CaptureStart.AddMinutes(5)).ToList();
        Assert.Equal(packets.Take(3).Select(p => p.ToArray()), archived.Select(p => p.ToArray()));
    }

    [Fact]
    public async Task ProcessAsync_PacketsMatchedLate_IngestLagIsTheTimeSinceEachPacketsLastFrame()
    {
        using var metrics = new Central.Metrics.CentralMetrics(_rig.Catalog, _rig.Activity, new IngestQueue(Options.Create(new Central.Hosting.ServeOptions())));
        using var exporter = new Central.Metrics.PrometheusExporter(metrics);
        var worker = _rig.Worker(IdleClose, metrics: metrics);
        var expected = 0.0;
        foreach (var packet in _rig.Packets.Take(3))
        {
            _rig.Time.Advance(TimeSpan.FromSeconds(0.7));
            expected += (_rig.Time.GetUtcNow() - packet.CaptureStart.AddSeconds(packet.FrameCount * 0.032)).TotalSeconds; // 32 ms frames
            await worker.ProcessAsync(IngestRig.Inbound(packet));
        }

        var text = exporter.Scrape();
        Assert.Contains("zamio_ingest_lag_seconds_count 3\n", text, StringComparison.Ordinal);
        var sum = double.Parse(Assert.Single(text.Split('\n'), l => l.StartsWith("zamio_ingest_lag_seconds_sum ", StringComparison.Ordinal))["zamio_ingest_lag_seconds_sum ".Length..],
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected, sum, 6);
    }

    private async Task SendAsync(int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            await _worker.ProcessAsync(IngestRig.Inbound(_rig.Packets[i]));
        }
    }

    /// <summary>A shared limiter whose verdicts arrive when the test gives them, as Redis's replies do.</summary>
    private sealed class LaterLimiter : IStationRateLimiter
    {
        private TaskCompletionSource<RateLimitVerdict> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsShared => true;

        public ValueTask<RateLimitVerdict> CheckAsync(string station, int peaks, int supportPeaks) => new(_next.Task);

        public void Answer(RateLimitVerdict verdict)
        {
            var answered = _next;
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            answered.SetResult(verdict);
        }
    }
}
