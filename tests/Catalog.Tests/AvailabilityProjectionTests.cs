using AspireShop.Catalog.API.Services;
using StackExchange.Redis;
using static AspireShop.Catalog.Tests.Events;

namespace AspireShop.Catalog.Tests;

public sealed class AvailabilityProjectionTests(CatalogFixture fixture) : IClassFixture<CatalogFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private IConnectionMultiplexer Redis => fixture.App.Service<IConnectionMultiplexer>();

    [Fact]
    public async Task OutOfOrderAndRepeatedVersionsLeaveTheNewest()
    {
        var (sku, seller) = (Guid.NewGuid(), Guid.NewGuid());
        var marker = Guid.NewGuid();

        // One partition, so the marker is handled after everything before it.
        await PublishAsync(fixture.Infrastructure.KafkaBootstrapServers,
        [
            Availability(sku, seller, available: 7, version: 3),
            Availability(sku, seller, available: 0, version: 1),
            Availability(sku, seller, available: 1, version: 2),
            Availability(sku, seller, available: 99, version: 3),
            Availability(marker, seller, available: 1, version: 1),
        ], partition: 0);

        await Poll.UntilAsync(() => MirrorAsync(Redis, marker, seller), v => v is not null, Deadline, _ => "marker never projected");
        Assert.Equal("7:3", await MirrorAsync(Redis, sku, seller));

        await PublishAsync(fixture.Infrastructure.KafkaBootstrapServers, [Availability(sku, seller, available: 0, version: 4)]);
        await Poll.UntilAsync(() => MirrorAsync(Redis, sku, seller), v => v == "0:4", Deadline, v => $"still {v}");

        var levels = await fixture.App.Service<AvailabilityStore>().ReadAsync([new OfferKey(sku, seller), new OfferKey(sku, Guid.NewGuid())]);
        Assert.Equal(new StockLevel(0, 4), Assert.Single(levels).Value);
    }

    [Fact]
    public async Task VersionsCompareExactlyBeyondDoublePrecision()
    {
        var store = fixture.App.Service<AvailabilityStore>();
        var offer = new OfferKey(Guid.NewGuid(), Guid.NewGuid());

        Assert.True(await store.ApplyAsync(offer, new StockLevel(1, 9_007_199_254_740_993)));
        Assert.False(await store.ApplyAsync(offer, new StockLevel(2, 9_007_199_254_740_992)));
        Assert.False(await store.ApplyAsync(offer, new StockLevel(3, 999_999_999_999_999)));
        Assert.True(await store.ApplyAsync(offer, new StockLevel(4, long.MaxValue)));
        Assert.False(await store.ApplyAsync(offer, new StockLevel(5, long.MaxValue)));

        Assert.Equal($"4:{long.MaxValue}", await MirrorAsync(Redis, offer.SkuId, offer.SellerId));
    }
}
