namespace AspireShop.Catalog.Contracts;

/// <summary>
/// Catalog's published rows: Search and Inventory read the Debezium change events of these tables, so their names and
/// columns are a contract. Catalog's EF mapping uses these constants; renaming one is a breaking change for both.
/// </summary>
public static class CatalogTables
{
    /// <summary>Debezium's topic prefix is the database name: <c>catalogdb.public.&lt;table&gt;</c>.</summary>
    public const string TopicPrefix = "catalogdb";

    public static string Topic(string table, string prefix = TopicPrefix) => $"{prefix}.public.{table}";

    public static class Products
    {
        public const string Table = "products";
        public const string Id = "id";
        public const string SellerId = "seller_id";
        public const string Title = "title";
        public const string Description = "description";
        public const string Brand = "brand";
        public const string Category = "category";

        /// <summary>jsonb array of image URLs.</summary>
        public const string Images = "images";

        /// <summary>jsonb object of attribute name → value.</summary>
        public const string Attributes = "attributes";
        public const string CreatedAt = "created_at";
        public const string UpdatedAt = "updated_at";
    }

    public static class Skus
    {
        public const string Table = "skus";
        public const string Id = "id";
        public const string ProductId = "product_id";
        public const string Code = "code";

        /// <summary>jsonb object of variant attribute name → value.</summary>
        public const string Attributes = "attributes";
    }

    /// <summary>One seller's price for one SKU; key (sku_id, seller_id).</summary>
    public static class Offers
    {
        public const string Table = "offers";
        public const string SkuId = "sku_id";
        public const string SellerId = "seller_id";
        public const string Price = "price";
        public const string Currency = "currency";
        public const string UpdatedAt = "updated_at";
    }
}
