using Npgsql;

namespace AspireShop.BuildingBlocks.Data;

/// <summary>How every service's NpgsqlDataSource is set up, passed to Aspire's <c>AddNpgsqlDataSource</c>.</summary>
public static class DataSourceDefaults
{
    public static void Configure(NpgsqlDataSourceBuilder builder) => Configure(builder.ConnectionStringBuilder);

    /// <summary>
    /// Statements a service runs over and over (a stock change, a mirror upsert, a saga move) are prepared once per
    /// connection instead of parsed and planned on every call: on a bulk load that is most of the database's CPU.
    /// </summary>
    public static void Configure(NpgsqlConnectionStringBuilder builder)
    {
        builder.MaxAutoPrepare = 64;
        builder.AutoPrepareMinUsages = 2;
    }
}
