using System.Net;
using System.Net.Http.Json;
using AspireShop.Catalog.API.Apis;
using AspireShop.Catalog.API.Events;
using AspireShop.TestKit;
using static AspireShop.Catalog.Tests.CatalogRequests;

namespace AspireShop.Catalog.Tests;

/// <summary>The placeholder's diagnostics keep working on the migrated schema (the platform tests and the ping benchmark use them).</summary>
public sealed class DiagnosticsTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private CatalogApp App => fixture.App;

    [Fact]
    public async Task PingAnswersAnonymously()
    {
        var ping = await App.Anonymous().GetFromJsonAsync<PingResponse>("/api/catalog/ping", Json);
        Assert.Equal(new Npgsql.NpgsqlConnectionStringBuilder(App.DatabaseConnectionString).Database, ping!.Database);
        Assert.Equal(PingApi.PingTopic, ping.Kafka.Topic);
    }

    [Fact]
    public async Task RecordedPingIsWrittenWithItsOutboxEventAndItsReceiptAppearsOnceConsumed()
    {
        using var accepted = await App.Anonymous().PostAsync("/api/catalog/ping-events", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<PingAccepted>(Json))!.Id;
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM ping_events WHERE id = $1", id));
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM outbox WHERE aggregatetype = 'ping' AND aggregateid = $1", id.ToString()));

        // No CDC here: the event is published as the relay would, and the consumer writes the receipt through its inbox.
        await Events.PublishAsync(fixture.Infrastructure.KafkaBootstrapServers, new PingRecorded(id, DateTimeOffset.UtcNow));
        var status = await Poll.UntilAsync(
            async () => (await App.Anonymous().GetAsync(accepted.Headers.Location)).StatusCode,
            code => code == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30),
            code => $"receipt still {code}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1L, await App.QueryScalarAsync<long>("SELECT count(*) FROM inbox"));
    }

    [Fact]
    public async Task DeadLetterReplayIsForAdminsOnly()
    {
        using var anonymous = await App.Anonymous().PostAsync("/admin/dead-letters/replay", null);
        using var seller = await App.As(TestUser.NewSeller()).PostAsync("/admin/dead-letters/replay", null);
        using var admin = await App.As(TestUser.NewAdmin()).PostAsync("/admin/dead-letters/replay", null);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, seller.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task HealthIsAnonymous()
    {
        using var response = await App.Anonymous().GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
