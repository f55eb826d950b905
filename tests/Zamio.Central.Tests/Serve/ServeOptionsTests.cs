using Microsoft.Extensions.Options;
using Zamio.Central.Hosting;

namespace Zamio.Central.Tests.Serve;

public sealed class ServeOptionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("5")]
    [InlineData("0")]
    public async Task Start_IdleCloseBelowTenSeconds_RefusedByValidation(string seconds)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = ServeHost.Build(
                ["serve", "--data-dir", _dir.Path, "--urls", "http://127.0.0.1:0", "--mqtt-port", "0"],
                [new($"{ServeOptions.Section}:{nameof(ServeOptions.IdleCloseSeconds)}", seconds)]);
            await app.StartAsync();
        });

        Assert.Contains(nameof(ServeOptions.IdleCloseSeconds), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ExternalBrokerClientIdAStationCouldHold_RefusedByValidation()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = ServeHost.Build(
                ["serve", "--data-dir", _dir.Path, "--urls", "http://127.0.0.1:0"],
                [new("Central:Mqtt:Host", "127.0.0.1"), new("Central:Mqtt:ClientId", "central-a")]);
            await app.StartAsync();
        });

        Assert.Contains("Central:Mqtt:ClientId must start with 'zamio-central'", error.Message, StringComparison.Ordinal);
    }
}
