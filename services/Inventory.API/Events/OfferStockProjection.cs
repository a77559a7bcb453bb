using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.Inventory.API.Extensions;
using AspireShop.Inventory.API.Services;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireShop.Inventory.API.Events;

/// <summary>
/// Makes every offered SKU known to Inventory: on Catalog's Debezium change events for <c>offers</c> (created, updated
/// or snapshotted) it creates the (sku, seller) stock row with <c>Inventory:Demo:InitialStock</c> on hand if none
/// exists. No inbox: <c>INSERT … ON CONFLICT DO NOTHING</c> makes a redelivery (or a re-snapshot) change nothing, and a
/// withdrawn offer leaves its stock alone (units on the shelf do not vanish with the price).
/// </summary>
public sealed partial class OfferStockProjection(NpgsqlDataSource db, IOptions<InventoryOptions> options, ILogger<OfferStockProjection> logger) : IMessageHandler
{
    public const string ConsumerGroup = "inventory.offer-stock";
    public const string DefaultTopic = "catalogdb.public.offers";

    public async Task HandleAsync(ReceivedMessage message, CancellationToken cancellationToken)
    {
        // Null is the tombstone Debezium sends after a delete.
        if (message.Value is null || Parse(message.Value) is not { } offer)
        {
            return;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var initialStock = options.Value.Demo.InitialStock;
        if (await StockStore.TryCreateAsync(connection, transaction, offer.SkuId, offer.SellerId, initialStock, cancellationToken) is { } row)
        {
            await StockStore.RecordAsync(connection, transaction, row, "set", null, 0, cancellationToken, reason: "offer created");
            LogCreated(offer.SkuId, offer.SellerId, initialStock);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The offer's key from a c/u/r event (schemas disabled: uuid columns are strings); null for d, t and m.</summary>
    private static (Guid SkuId, Guid SellerId)? Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var op = root.TryGetProperty("op", out var opValue) ? opValue.GetString() : null;
        if (op is not ("c" or "u" or "r") || !root.TryGetProperty("after", out var after) || after.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return (Uuid(after, "sku_id"), Uuid(after, "seller_id"));
    }

    private static Guid Uuid(JsonElement row, string column) =>
        row.TryGetProperty(column, out var value) && value.ValueKind == JsonValueKind.String && Guid.TryParse(value.GetString(), out var id)
            ? id
            : throw new JsonException($"Column '{column}' is missing from the offer change event.");

    [LoggerMessage(LogLevel.Information, "Stock row created for offer {SkuId}/{SellerId} with {OnHand} on hand")]
    private partial void LogCreated(Guid skuId, Guid sellerId, int onHand);
}
