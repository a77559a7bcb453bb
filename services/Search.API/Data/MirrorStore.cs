using System.Buffers.Binary;
using AspireShop.Search.API.Domain;
using Npgsql;
using NpgsqlTypes;

namespace AspireShop.Search.API.Data;

/// <summary>
/// Applies change events to the mirror idempotently and says which documents to rewrite. A row is overwritten only by
/// a newer change (a higher lsn, or for rows loaded by a rebuild, a transaction the snapshot did not see), so duplicated
/// or reordered events never undo newer data; a delete becomes a tombstone at its lsn.
/// </summary>
/// <remarks>
/// Document versions are a per-product counter bumped in the same transaction as the mirror change, not an lsn: a
/// product's document also depends on availability (versioned by Inventory, not by the WAL) and on events of three
/// topics that are consumed out of order with each other, so the largest lsn of its rows can stay the same while the
/// content changes. The counter row is locked until commit, so a higher version always describes a later mirror state.
/// </remarks>
public sealed class MirrorStore(NpgsqlDataSource database)
{
    private const string IsNewer =
        """
        CASE WHEN t.from_snapshot AND excluded.tx_id IS NOT NULL
             THEN NOT coalesce((SELECT search_tx_visible(excluded.tx_id, s.snapshot_xmin, s.snapshot_xmax, s.snapshot_xip) FROM search_snapshot s WHERE s.id = 1), false)
             ELSE t.lsn < excluded.lsn END
        """;

    private const string Tracking = "lsn = excluded.lsn, tx_id = excluded.tx_id, from_snapshot = false, deleted = excluded.deleted";

    private static readonly string UpsertProduct =
        $"""
        INSERT INTO search_products AS t (id, seller_id, title, description, brand, category, images, attributes, created_at, updated_at, lsn, tx_id, deleted)
        VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13)
        ON CONFLICT (id) DO UPDATE SET seller_id = excluded.seller_id, title = excluded.title,
          description = CASE WHEN $14 THEN t.description ELSE excluded.description END,
          brand = excluded.brand, category = excluded.category,
          images = CASE WHEN $15 THEN t.images ELSE excluded.images END,
          attributes = CASE WHEN $16 THEN t.attributes ELSE excluded.attributes END,
          created_at = excluded.created_at, updated_at = excluded.updated_at, {Tracking}
        WHERE {IsNewer}
        RETURNING 1
        """;

    private static readonly string UpsertSku =
        $"""
        INSERT INTO search_skus AS t (id, product_id, code, attributes, lsn, tx_id, deleted)
        VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7)
        ON CONFLICT (id) DO UPDATE SET product_id = coalesce(excluded.product_id, t.product_id), code = excluded.code,
          attributes = CASE WHEN $8 THEN t.attributes ELSE excluded.attributes END, {Tracking}
        WHERE {IsNewer}
        RETURNING 1
        """;

    private static readonly string UpsertOffer =
        $"""
        INSERT INTO search_offers AS t (sku_id, seller_id, price, currency, updated_at, lsn, tx_id, deleted)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (sku_id, seller_id) DO UPDATE SET price = excluded.price, currency = excluded.currency,
          updated_at = excluded.updated_at, {Tracking}
        WHERE {IsNewer}
        RETURNING 1
        """;

    // A delete keeps the row's last values: only its position and the tombstone flag change.
    private static readonly string DeleteProduct = TombstoneSql("search_products", "id", "(id, lsn, tx_id, deleted) VALUES ($1, $2, $3, true)");
    private static readonly string DeleteSku = TombstoneSql("search_skus", "id", "(id, product_id, lsn, tx_id, deleted) VALUES ($1, $4, $2, $3, true)");
    private static readonly string DeleteOffer = TombstoneSql("search_offers", "sku_id, seller_id", "(sku_id, seller_id, lsn, tx_id, deleted) VALUES ($1, $4, $2, $3, true)");

    private const string UpsertAvailability =
        """
        INSERT INTO search_availability AS t (sku_id, seller_id, available, occurred_at, version)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (sku_id, seller_id) DO UPDATE SET available = excluded.available, occurred_at = excluded.occurred_at,
          version = excluded.version
        WHERE t.version < excluded.version
        RETURNING 1
        """;

    private const string BumpVersions =
        """
        INSERT INTO search_documents (product_id, version)
        SELECT id, 1 FROM unnest($1::uuid[]) AS id ORDER BY id
        ON CONFLICT (product_id) DO UPDATE SET version = search_documents.version + 1
        """;

    /// <summary>
    /// Applies <paramref name="changes"/> (in order, in one transaction and one round trip for the rows), bumps the
    /// versions of the products they moved, and says which products' documents to rewrite. Products touched only by
    /// stale changes are named anyway: a redelivery after a crash between the mirror commit and the index write must
    /// still reach the index (which ignores it if it already has that version).
    /// </summary>
    public async Task<MirrorResult> ApplyAsync(IReadOnlyList<MirrorChange> changes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var skuIds = changes.Select(c => c.SkuId).OfType<Guid>().Distinct().ToArray();
        if (skuIds.Length > 0)
        {
            // A SKU's product is looked up by offers and availability while the SKU itself may be arriving: taking turns
            // per SKU means either the SKU's change sees the offer, or the offer's change sees the SKU. Sorted, so two
            // batches never wait for each other in a cycle.
            var keys = skuIds.Select(LockKey).Distinct().Order().ToArray();
            await ExecuteAsync(connection, transaction, "SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", cancellationToken, keys);
        }

        var productOfSku = skuIds.Length > 0 ? await ProductsOfSkusAsync(connection, transaction, skuIds, cancellationToken) : [];
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var change in changes)
        {
            batch.BatchCommands.Add(CommandFor(change));
        }

        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }

        // Per affected product, the earliest source time of the changes that moved it (none if only stale ones touched it).
        var affected = new Dictionary<Guid, long?>();
        var moved = new SortedSet<Guid>();
        var applied = 0;
        for (var i = 0; i < changes.Count; i++)
        {
            var took = batch.BatchCommands[i].RecordsAffected > 0;
            applied += took ? 1 : 0;
            foreach (var productId in AffectedProducts(changes[i], productOfSku))
            {
                var earliest = affected.GetValueOrDefault(productId);
                if (took)
                {
                    moved.Add(productId);
                    earliest = (earliest, changes[i].SourceTimestampMs) switch
                    {
                        ({ } seen, { } sourceMs) => Math.Min(seen, sourceMs),
                        (var seen, var sourceMs) => seen ?? sourceMs,
                    };
                }

                affected[productId] = earliest;
            }
        }

        if (moved.Count > 0)
        {
            await ExecuteAsync(connection, transaction, BumpVersions, cancellationToken, moved.ToArray());
        }

        await transaction.CommitAsync(cancellationToken);
        return new MirrorResult(applied, changes.Count - applied, affected);
    }

    /// <summary>Documents of these products at their current versions, read consistently.</summary>
    public async Task<List<IndexWrite>> LoadAsync(IReadOnlyCollection<Guid> productIds, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        var writes = await DocumentLoader.LoadAsync(connection, transaction, productIds, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return writes;
    }

    /// <summary>Every product with a document version, in id order, a page at a time (for rebuilds and the start-up check).</summary>
    public async IAsyncEnumerable<IReadOnlyList<(Guid Id, long Version)>> ReadVersionsAsync(
        int pageSize, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = Guid.Empty;
        while (true)
        {
            await using var command = database.CreateCommand(
                "SELECT product_id, version FROM search_documents WHERE product_id > $1 ORDER BY product_id LIMIT $2");
            command.Parameters.Add(new NpgsqlParameter { Value = after });
            command.Parameters.Add(new NpgsqlParameter { Value = pageSize });
            var page = new List<(Guid, long)>(pageSize);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    page.Add((reader.GetGuid(0), reader.GetInt64(1)));
                }
            }

            if (page.Count == 0)
            {
                yield break;
            }

            yield return page;
            after = page[^1].Item1;
        }
    }

    public async Task<long> CountDocumentsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT count(*) FROM search_documents");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static NpgsqlBatchCommand CommandFor(MirrorChange change) => change switch
    {
        ProductChange { Deleted: true, Row: var row, Version: var version } =>
            Command(DeleteProduct, row.Id, version.Lsn, Nullable(version.TxId)),
        ProductChange { Row: var row, Version: var version } =>
            Command(UpsertProduct,
                row.Id, Nullable(row.SellerId), Nullable(row.Title), Nullable(row.Description.Value), Nullable(row.Brand), Nullable(row.Category),
                Nullable(row.ImagesJson.Value), Nullable(row.AttributesJson.Value), Nullable(row.CreatedAt), Nullable(row.UpdatedAt),
                version.Lsn, Nullable(version.TxId), false,
                row.Description.Unavailable, row.ImagesJson.Unavailable, row.AttributesJson.Unavailable),
        SkuChange { Deleted: true, Row: var row, Version: var version } =>
            Command(DeleteSku, row.Id, version.Lsn, Nullable(version.TxId), Nullable(row.ProductId)),
        SkuChange { Row: var row, Version: var version } =>
            Command(UpsertSku, row.Id, Nullable(row.ProductId), Nullable(row.Code), Nullable(row.AttributesJson.Value),
                version.Lsn, Nullable(version.TxId), false, row.AttributesJson.Unavailable),
        OfferChange { Deleted: true, Row: var row, Version: var version } =>
            Command(DeleteOffer, row.SkuId, version.Lsn, Nullable(version.TxId), row.SellerId),
        OfferChange { Row: var row, Version: var version } =>
            Command(UpsertOffer, row.SkuId, row.SellerId, Nullable(row.Price), Nullable(row.Currency), Nullable(row.UpdatedAt),
                version.Lsn, Nullable(version.TxId), false),
        AvailabilityChange { Row: var row } =>
            Command(UpsertAvailability, row.SkuId, row.SellerId, row.Available, Nullable(row.OccurredAt), row.Version),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change.GetType().Name, "Unknown mirror change."),
    };

    /// <summary>The products whose documents a change touches: for a SKU, where it was (as of the lookup) and where it goes.</summary>
    private static IEnumerable<Guid> AffectedProducts(MirrorChange change, Dictionary<Guid, Guid> productOfSku)
    {
        if (change is ProductChange product)
        {
            yield return product.Row.Id;
            yield break;
        }

        if (change.SkuId is { } skuId && productOfSku.TryGetValue(skuId, out var current))
        {
            yield return current;
        }

        if (change is SkuChange sku)
        {
            foreach (var id in new[] { sku.Row.ProductId, sku.PreviousProductId })
            {
                if (id is { } value)
                {
                    yield return value;
                }
            }
        }
    }

    private static async Task<Dictionary<Guid, Guid>> ProductsOfSkusAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] skuIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, product_id FROM search_skus WHERE id = ANY($1) AND product_id IS NOT NULL", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = skuIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        var products = new Dictionary<Guid, Guid>(skuIds.Length);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            products[reader.GetGuid(0)] = reader.GetGuid(1);
        }

        return products;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }

    private static string TombstoneSql(string table, string key, string insert) =>
        $"""
        INSERT INTO {table} AS t {insert}
        ON CONFLICT ({key}) DO UPDATE SET {Tracking}
        WHERE {IsNewer}
        RETURNING 1
        """;

    private static long LockKey(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        return BinaryPrimitives.ReadInt64LittleEndian(bytes) ^ BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
    }

    private static object Nullable<T>(T? value) where T : struct => value is { } v ? v : DBNull.Value;

    private static object Nullable(string? value) => value is null ? DBNull.Value : value;

    /// <summary>Runs a statement and returns the number of rows it returned (RETURNING) or changed.</summary>
    private static async Task<int> ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter switch
            {
                Guid[] ids => new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                long[] keys => new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                _ => new NpgsqlParameter { Value = parameter },
            });
        }

        var returned = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                returned++;
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return returned > 0 ? returned : Math.Max(0, reader.RecordsAffected);
    }
}
