using System.Net;
using System.Net.Http.Headers;

namespace Zamio.Central.Tests.Api;

/// <summary>With an admin key configured (as the fixture is), who may read plays, reports and the stations list.</summary>
[Collection(ApiCollection.Name)]
public sealed class ReadAccessTests(ApiFixture fixture)
{
    private const string Own = "up-auth-a";
    private const string Other = "up-auth-b";

    [Theory]
    [InlineData("/api/v1/plays?station=" + Own)]
    [InlineData("/api/v1/reports/airplay?station=" + Own + "&from=2026-11-01&to=2026-11-02")]
    public async Task Get_StationData_AdminAndTheStationsOwnKeyOnly(string path)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(path, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(path, new AuthenticationHeaderValue("Bearer", "not-the-admin-key")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(path, new AuthenticationHeaderValue("Bearer", ApiFixture.AdminKey)));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(path, new AuthenticationHeaderValue("Token", fixture.Keys[Own])));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(path, new AuthenticationHeaderValue("Token", fixture.Keys[Other])));
    }

    [Fact]
    public async Task GetPlays_StationKeyWithoutAStation_Is400AskingForIt()
    {
        using var response = await fixture.SendAsync(HttpMethod.Get, "/api/v1/plays", null, new AuthenticationHeaderValue("Token", fixture.Keys[Own]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("name it with station=ID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetStations_TheFleetIsForTheAdminKeyOnly()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/v1/stations", null));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync("/api/v1/stations", new AuthenticationHeaderValue("Token", fixture.Keys[Own])));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync("/api/v1/stations", new AuthenticationHeaderValue("Bearer", ApiFixture.AdminKey)));
    }

    private async Task<HttpStatusCode> StatusAsync(string path, AuthenticationHeaderValue? auth)
    {
        using var response = await fixture.SendAsync(HttpMethod.Get, path, null, auth);
        return response.StatusCode;
    }
}
