using AspireShop.BuildingBlocks.Data;

namespace AspireShop.Catalog.API.Data;

/// <summary>
/// Row-level security for <c>offers</c>. Unlike Seller's and Fulfillment's tables (<see cref="TenantIsolation.EnableSql"/>),
/// every tenant reads every offer (the product page shows all sellers'); only the offer's seller, or a tenant that sees
/// all (admins, services), inserts, changes or deletes it.
/// </summary>
public static class OfferTenancy
{
    public const string Table = "offers";

    private const string Writer =
        "current_setting('" + TenantIsolation.SeesAllSetting + "', true) = 'on' " +
        "OR seller_id = NULLIF(current_setting('" + TenantIsolation.SellerSetting + "', true), '')::uuid";

    public const string EnableSql = $"""
        ALTER TABLE {Table} ENABLE ROW LEVEL SECURITY;
        ALTER TABLE {Table} FORCE ROW LEVEL SECURITY;
        CREATE POLICY {Table}_read ON {Table} FOR SELECT USING (true);
        CREATE POLICY {Table}_insert ON {Table} FOR INSERT WITH CHECK ({Writer});
        CREATE POLICY {Table}_update ON {Table} FOR UPDATE USING ({Writer}) WITH CHECK ({Writer});
        CREATE POLICY {Table}_delete ON {Table} FOR DELETE USING ({Writer});
        """;

    public const string DisableSql = $"""
        DROP POLICY {Table}_read ON {Table};
        DROP POLICY {Table}_insert ON {Table};
        DROP POLICY {Table}_update ON {Table};
        DROP POLICY {Table}_delete ON {Table};
        ALTER TABLE {Table} NO FORCE ROW LEVEL SECURITY;
        ALTER TABLE {Table} DISABLE ROW LEVEL SECURITY;
        """;
}
