using Npgsql;

namespace AspireShop.Search.API.Data;

/// <summary>
/// The mirror of the catalog tables (plus availability from Inventory) that documents are recomputed from. Created at
/// start with idempotent DDL, so the service needs no separate migration step.
/// </summary>
public static class SearchSchema
{
    /// <summary>
    /// Every mirror row keeps the version it was last written at (the change's lsn, or Inventory's version), the
    /// transaction id it came from and a tombstone flag, so stale or duplicated events are recognised.
    /// <c>from_snapshot</c> marks rows last written by a rebuild; see <see cref="CatalogSnapshotReader"/>.
    /// </summary>
    public const string Ddl =
        """
        CREATE TABLE IF NOT EXISTS search_products (
          id uuid PRIMARY KEY, seller_id uuid, title text, description text, brand text, category text,
          images jsonb, attributes jsonb, created_at timestamptz, updated_at timestamptz,
          lsn bigint NOT NULL, tx_id bigint, from_snapshot boolean NOT NULL DEFAULT false, deleted boolean NOT NULL DEFAULT false);
        CREATE TABLE IF NOT EXISTS search_skus (
          id uuid PRIMARY KEY, product_id uuid, code text, attributes jsonb,
          lsn bigint NOT NULL, tx_id bigint, from_snapshot boolean NOT NULL DEFAULT false, deleted boolean NOT NULL DEFAULT false);
        CREATE INDEX IF NOT EXISTS search_skus_product_id ON search_skus (product_id);
        CREATE TABLE IF NOT EXISTS search_offers (
          sku_id uuid NOT NULL, seller_id uuid NOT NULL, price numeric(12,2), currency text, updated_at timestamptz,
          lsn bigint NOT NULL, tx_id bigint, from_snapshot boolean NOT NULL DEFAULT false, deleted boolean NOT NULL DEFAULT false,
          PRIMARY KEY (sku_id, seller_id));
        CREATE TABLE IF NOT EXISTS search_availability (
          sku_id uuid NOT NULL, seller_id uuid NOT NULL, available integer NOT NULL, occurred_at timestamptz,
          version bigint NOT NULL, deleted boolean NOT NULL DEFAULT false, PRIMARY KEY (sku_id, seller_id));
        CREATE TABLE IF NOT EXISTS search_documents (product_id uuid PRIMARY KEY, version bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS search_snapshot (
          id integer PRIMARY KEY CHECK (id = 1), lsn bigint NOT NULL, snapshot_xmin bigint NOT NULL, snapshot_xmax bigint NOT NULL,
          snapshot_xip bigint[] NOT NULL, taken_at timestamptz NOT NULL DEFAULT now());

        -- Whether a committed transaction (32-bit xid, as change events carry it) was visible to a snapshot (64-bit
        -- xids): PostgreSQL's own test, with the xid placed within 2^31 of the snapshot's xmax as xid comparison does.
        CREATE OR REPLACE FUNCTION search_tx_visible(tx bigint, snap_xmin bigint, snap_xmax bigint, snap_xip bigint[])
        RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
          SELECT x < snap_xmin OR (x < snap_xmax AND NOT x = ANY (snap_xip))
          FROM (SELECT snap_xmax + CASE WHEN d >= 2147483648 THEN d - 4294967296 ELSE d END AS x
                FROM (SELECT (tx - snap_xmax) & 4294967295 AS d) modular) placed
        $$;
        """;

    public static async Task EnsureCreatedAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // Two instances starting together would race on CREATE ... IF NOT EXISTS; the lock makes them take turns.
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(727201001)", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand(Ddl, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
