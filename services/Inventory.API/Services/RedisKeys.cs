using AspireShop.Inventory.API.Extensions;
using Microsoft.Extensions.Options;

namespace AspireShop.Inventory.API.Services;

/// <summary>Every Redis key the service uses, under the configured <see cref="InventoryOptions.RedisPrefix"/>.</summary>
public sealed class RedisKeys(IOptions<InventoryOptions> options)
{
    public string Prefix { get; } = options.Value.RedisPrefix;

    /// <summary>Mirror of an active reservation; its expiry event prompts the release.</summary>
    public string ReservationMirror(Guid id) => $"{Prefix}reservation:{id}";

    public string ReservationMirrorPrefix => $"{Prefix}reservation:";

    /// <summary>The open sale of an offer (value: sale id); the reserve script starts here.</summary>
    public string FlashOffer(Guid skuId, Guid sellerId) => $"{Prefix}flash:offer:{skuId}:{sellerId}";

    public string FlashSale(Guid saleId) => $"{Prefix}flash:sale:{saleId}";

    public string FlashRecord(Guid reservationId) => $"{Prefix}flash:res:{reservationId}";

    public string FlashActiveSales => $"{Prefix}flash:sales";

    /// <summary>Decisions waiting to be written back to Postgres (a stream read with a consumer group).</summary>
    public string WriteBackStream => $"{Prefix}flash:writeback";
}
