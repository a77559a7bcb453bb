using Npgsql;

namespace AspireShop.BuildingBlocks.Data;

/// <summary>How every service's NpgsqlDataSource is set up, passed to Aspire's <c>AddNpgsqlDataSource</c>.</summary>
public static class DataSourceDefaults
{
    /// <summary>
    /// Statements a service runs over and over (a stock change, a mirror upsert) are prepared once per connection
    /// instead of parsed and planned on every call: on a bulk load that is most of the database's CPU.
    /// </summary>
    public static void Configure(NpgsqlDataSourceBuilder builder)
    {
        builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
    }
}
