using AspireShop.BuildingBlocks.Data;

namespace AspireShop.Inventory.API.Data;

/// <summary>
/// Row-level security for Inventory's seller-owned tables. Unlike Seller's and Fulfillment's (<see cref="TenantIsolation.EnableSql"/>),
/// reads stay open to every tenant (availability is public, and the platform reserves any seller's stock); writes need
/// the row's seller as the tenant, or a tenant that sees all (the platform's own work, admins).
/// </summary>
public static class StockTenancy
{
    /// <summary>The tables whose writes are isolated by seller.</summary>
    public static readonly string[] Tables = ["stock", "stock_movements", "flash_sales"];

    private const string Writer =
        "current_setting('" + TenantIsolation.SeesAllSetting + "', true) = 'on' " +
        "OR seller_id = NULLIF(current_setting('" + TenantIsolation.SellerSetting + "', true), '')::uuid";

    /// <summary>Migration SQL: forced row-level security on <paramref name="table"/>, every row readable, each written only by its seller.</summary>
    public static string EnableSql(string table) => $"""
        ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
        CREATE POLICY {table}_read ON {table} FOR SELECT USING (true);
        CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({Writer});
        CREATE POLICY {table}_update ON {table} FOR UPDATE USING ({Writer}) WITH CHECK ({Writer});
        CREATE POLICY {table}_delete ON {table} FOR DELETE USING ({Writer});
        """;

    public static string DisableSql(string table) => $"""
        DROP POLICY {table}_read ON {table};
        DROP POLICY {table}_insert ON {table};
        DROP POLICY {table}_update ON {table};
        DROP POLICY {table}_delete ON {table};
        ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;
        ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;
        """;
}
