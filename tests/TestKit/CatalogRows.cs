using AspireShop.Catalog.Contracts;
using Npgsql;
using O = AspireShop.Catalog.Contracts.CatalogTables.Offers;
using P = AspireShop.Catalog.Contracts.CatalogTables.Products;
using S = AspireShop.Catalog.Contracts.CatalogTables.Skus;

namespace AspireShop.TestKit;

/// <summary>
/// Writes rows into a database that Catalog's own migration created, by the column names Catalog publishes
/// (<see cref="CatalogTables"/>): what consumers' contract tests change to produce real change events.
/// </summary>
public static class CatalogRows
{
    public static async Task InsertAsync(NpgsqlDataSource catalog, Guid productId, Guid skuId, Guid sellerId, string title, decimal price)
    {
        await using var connection = await catalog.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command(
                    $$"""
                    INSERT INTO {{P.Table}} ({{P.Id}}, {{P.SellerId}}, {{P.Title}}, {{P.Description}}, {{P.Brand}}, {{P.Category}}, {{P.Images}}, {{P.Attributes}}, {{P.CreatedAt}}, {{P.UpdatedAt}})
                    VALUES ($1, $2, $3, 'A contract test product', 'Contract', 'contracts', '["https://images.aspireshop.example/c.jpg"]', '{"material":"nylon"}', now(), now())
                    """,
                    productId, sellerId, title),
                Command(
                    $$"""INSERT INTO {{S.Table}} ({{S.Id}}, {{S.ProductId}}, {{S.Code}}, {{S.Attributes}}) VALUES ($1, $2, $3, '{"size":"M"}')""",
                    skuId, productId, $"C-{skuId:N}"[..20]),
                Command(
                    $"INSERT INTO {O.Table} ({O.SkuId}, {O.SellerId}, {O.Price}, {O.Currency}, {O.UpdatedAt}) VALUES ($1, $2, $3, 'EUR', now())",
                    skuId, sellerId, price),
            },
        };
        await batch.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }

    public static async Task SetPriceAsync(NpgsqlDataSource catalog, Guid skuId, Guid sellerId, decimal price)
    {
        await using var command = catalog.CreateCommand(
            $"UPDATE {O.Table} SET {O.Price} = $3, {O.UpdatedAt} = now() WHERE {O.SkuId} = $1 AND {O.SellerId} = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = skuId });
        command.Parameters.Add(new NpgsqlParameter { Value = sellerId });
        command.Parameters.Add(new NpgsqlParameter { Value = price });
        await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
