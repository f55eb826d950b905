using Microsoft.Extensions.Logging.Abstractions;
using Zamio.Central.Plays;

namespace Zamio.Central.Tests.Plays;

public sealed class PlayFeedTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Publish_SubscribersOfAStationAndOfAll_EachGetsItsPlaysInOrder()
    {
        using var feed = new PlayFeed(null, NullLogger<PlayFeed>.Instance);
        using var joy = feed.Subscribe("joy-fm");
        using var all = feed.Subscribe(null);

        feed.Publish([Play("joy-fm", "1"), Play("kiss-fm", "1"), Play("joy-fm", "2")]);

        Assert.Equal(["joy-fm/1", "joy-fm/2"], Drain(joy).Select(p => $"{p.Station}/{p.PlayKey}"));
        Assert.Equal(["joy-fm/1", "kiss-fm/1", "joy-fm/2"], Drain(all).Select(p => $"{p.Station}/{p.PlayKey}"));
    }

    [Fact]
    public void Publish_SubscriberFarBehind_LosesTheOldestAndIsToldHowMany()
    {
        using var feed = new PlayFeed(null, NullLogger<PlayFeed>.Instance);
        using var slow = feed.Subscribe(null);

        feed.Publish([.. Enumerable.Range(0, PlayFeed.SubscriberCapacity + 3).Select(i => Play("joy-fm", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))]);

        Assert.Equal(3, slow.TakeMissed());
        Assert.Equal(0, slow.TakeMissed());
        Assert.Equal(3, feed.Missed);
        var kept = Drain(slow);
        Assert.Equal(PlayFeed.SubscriberCapacity, kept.Count);
        Assert.Equal("3", kept[0].PlayKey);
    }

    [Fact]
    public void Dispose_Subscription_EndsItsPlaysAndTheFeedForgetsIt()
    {
        using var feed = new PlayFeed(null, NullLogger<PlayFeed>.Instance);
        var gone = feed.Subscribe(null);

        Assert.Equal(1, feed.Subscribers);
        gone.Dispose();
        feed.Publish([Play("joy-fm", "1")]);

        Assert.Equal(0, feed.Subscribers);
        Assert.True(gone.Plays.Completion.IsCompleted);
        Assert.False(gone.Plays.TryRead(out _));
    }

    private static List<PlayRecord> Drain(PlaySubscription subscription)
    {
        var plays = new List<PlayRecord>();
        while (subscription.Plays.TryRead(out var play))
        {
            plays.Add(play);
        }

        return plays;
    }

    private static PlayRecord Play(string station, string key) => new(station, key, "song1", Start, Start.AddMinutes(3), 0.99, 1, "ongoing");
}
