using System.Data;
using System.Globalization;
using Npgsql;

namespace AspireShop.Search.API.Data;

/// <summary>What a snapshot merge did.</summary>
public sealed record SnapshotMerge(long Lsn, long Products, long Skus, long Offers);

/// <summary>
/// Reads the catalog tables directly (read-only connection <c>ConnectionStrings:catalogdb-snapshot</c>) and merges them
/// into the mirror: the Debezium snapshot equivalent. One REPEATABLE READ transaction whose first statement reads
/// <c>pg_current_wal_lsn()</c> (the snapshot's version) and the snapshot itself, then copies the three tables.
/// </summary>
/// <remarks>
/// Rows are marked <c>from_snapshot</c> at that lsn. Comparing a later event's lsn with the snapshot's would be wrong for
/// a transaction in flight while the snapshot was taken (its changes have lower lsns but are not in the snapshot), so
/// an event overwrites a snapshot row when its transaction was not visible to the snapshot (the xmin/xmax/xip test
/// PostgreSQL itself uses). The merge likewise keeps mirror rows written by transactions the snapshot did not see,
/// rather than clearing the mirror, so changes that were consumed while the snapshot was read are not lost. Availability
/// comes from Inventory, not the catalog, and is kept.
/// </remarks>
public sealed class CatalogSnapshotReader(NpgsqlDataSource search, IConfiguration configuration)
{
    public const string ConnectionName = "catalogdb-snapshot";

    private const string StagingTables =
        """
        CREATE TEMP TABLE snap_products (id uuid, seller_id uuid, title text, description text, brand text, category text,
          images jsonb, attributes jsonb, created_at timestamptz, updated_at timestamptz) ON COMMIT DROP;
        CREATE TEMP TABLE snap_skus (id uuid, product_id uuid, code text, attributes jsonb) ON COMMIT DROP;
        CREATE TEMP TABLE snap_offers (sku_id uuid, seller_id uuid, price numeric(12,2), currency text, updated_at timestamptz) ON COMMIT DROP;
        """;

    // A mirror row newer than the snapshot: written by an event whose transaction the snapshot did not see.
    private const string NewerThanSnapshot =
        "(NOT t.from_snapshot AND CASE WHEN t.tx_id IS NULL THEN t.lsn > @lsn ELSE NOT search_tx_visible(t.tx_id, @xmin, @xmax, @xip) END)";

    private const string SnapshotTracking = "lsn = @lsn, tx_id = NULL, from_snapshot = true";

    private static readonly string Merge =
        $"""
        INSERT INTO search_products AS t (id, seller_id, title, description, brand, category, images, attributes, created_at, updated_at, lsn, from_snapshot)
        SELECT id, seller_id, title, description, brand, category, images, attributes, created_at, updated_at, @lsn, true FROM snap_products
        ON CONFLICT (id) DO UPDATE SET seller_id = excluded.seller_id, title = excluded.title, description = excluded.description,
          brand = excluded.brand, category = excluded.category, images = excluded.images, attributes = excluded.attributes,
          created_at = excluded.created_at, updated_at = excluded.updated_at, {SnapshotTracking}, deleted = false
        WHERE NOT {NewerThanSnapshot};
        UPDATE search_products t SET {SnapshotTracking}, deleted = true
        WHERE NOT EXISTS (SELECT 1 FROM snap_products s WHERE s.id = t.id) AND NOT {NewerThanSnapshot};

        INSERT INTO search_skus AS t (id, product_id, code, attributes, lsn, from_snapshot)
        SELECT id, product_id, code, attributes, @lsn, true FROM snap_skus
        ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id, code = excluded.code, attributes = excluded.attributes,
          {SnapshotTracking}, deleted = false
        WHERE NOT {NewerThanSnapshot};
        UPDATE search_skus t SET {SnapshotTracking}, deleted = true
        WHERE NOT EXISTS (SELECT 1 FROM snap_skus s WHERE s.id = t.id) AND NOT {NewerThanSnapshot};

        INSERT INTO search_offers AS t (sku_id, seller_id, price, currency, updated_at, lsn, from_snapshot)
        SELECT sku_id, seller_id, price, currency, updated_at, @lsn, true FROM snap_offers
        ON CONFLICT (sku_id, seller_id) DO UPDATE SET price = excluded.price, currency = excluded.currency,
          updated_at = excluded.updated_at, {SnapshotTracking}, deleted = false
        WHERE NOT {NewerThanSnapshot};
        UPDATE search_offers t SET {SnapshotTracking}, deleted = true
        WHERE NOT EXISTS (SELECT 1 FROM snap_offers s WHERE s.sku_id = t.sku_id AND s.seller_id = t.seller_id) AND NOT {NewerThanSnapshot};

        INSERT INTO search_snapshot (id, lsn, snapshot_xmin, snapshot_xmax, snapshot_xip) VALUES (1, @lsn, @xmin, @xmax, @xip)
        ON CONFLICT (id) DO UPDATE SET lsn = excluded.lsn, snapshot_xmin = excluded.snapshot_xmin, snapshot_xmax = excluded.snapshot_xmax,
          snapshot_xip = excluded.snapshot_xip, taken_at = now();

        -- Every document changes version, so a write computed before the merge can never replace one computed after it.
        INSERT INTO search_documents (product_id, version)
        SELECT id, 1 FROM (SELECT id FROM search_products UNION SELECT product_id FROM search_skus WHERE product_id IS NOT NULL) ids ORDER BY id
        ON CONFLICT (product_id) DO UPDATE SET version = search_documents.version + 1;
        """;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(configuration.GetConnectionString(ConnectionName));

    public async Task<SnapshotMerge> MergeAsync(CancellationToken cancellationToken)
    {
        var catalogConnectionString = configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not set.");
        await using var catalog = new NpgsqlConnection(catalogConnectionString);
        await catalog.OpenAsync(cancellationToken);
        await using var snapshot = await catalog.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        long lsn;
        long xmin;
        long xmax;
        long[] xip;
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", catalog, snapshot))
        {
            await readOnly.ExecuteNonQueryAsync(cancellationToken);
        }

        // The first query fixes the transaction's snapshot; the lsn and the snapshot's xids are read by that same query.
        await using (var command = new NpgsqlCommand("SELECT (pg_current_wal_lsn() - '0/0')::bigint, pg_current_snapshot()::text", catalog, snapshot))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            lsn = reader.GetInt64(0);
            (xmin, xmax, xip) = ParseSnapshot(reader.GetString(1));
        }

        await using var connection = await search.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(StagingTables, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var products = await CopyAsync(catalog, connection,
            "SELECT id, seller_id, title::text, description::text, brand::text, category::text, images::jsonb, attributes::jsonb, created_at, updated_at FROM products",
            "snap_products", cancellationToken);
        var skus = await CopyAsync(catalog, connection, "SELECT id, product_id, code::text, attributes::jsonb FROM skus", "snap_skus", cancellationToken);
        var offers = await CopyAsync(catalog, connection,
            "SELECT sku_id, seller_id, price::numeric(12,2), currency::text, updated_at FROM offers", "snap_offers", cancellationToken);
        await snapshot.CommitAsync(cancellationToken);

        await using (var merge = new NpgsqlCommand(Merge, connection, transaction))
        {
            // Named parameters: Npgsql splits the statements and binds to each only the ones it uses.
            merge.Parameters.AddWithValue("lsn", lsn);
            merge.Parameters.AddWithValue("xmin", xmin);
            merge.Parameters.AddWithValue("xmax", xmax);
            merge.Parameters.AddWithValue("xip", xip);
            await merge.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new SnapshotMerge(lsn, products, skus, offers);
    }

    /// <summary>pg_snapshot's text form: <c>xmin:xmax:xip1,xip2,…</c>.</summary>
    internal static (long Xmin, long Xmax, long[] Xip) ParseSnapshot(string text)
    {
        var parts = text.Split(':');
        var xip = parts[2].Length == 0 ? [] : parts[2].Split(',').Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture), xip);
    }

    /// <summary>Streams a query's rows from the catalog into a staging table in binary COPY format, without holding them in memory.</summary>
    private static async Task<long> CopyAsync(NpgsqlConnection from, NpgsqlConnection to, string select, string table, CancellationToken cancellationToken)
    {
        await using (var source = await from.BeginRawBinaryCopyAsync($"COPY ({select}) TO STDOUT (FORMAT binary)", cancellationToken))
        await using (var target = await to.BeginRawBinaryCopyAsync($"COPY {table} FROM STDIN (FORMAT binary)", cancellationToken))
        {
            await source.CopyToAsync(target, cancellationToken);
        }

        await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", to);
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }
}
