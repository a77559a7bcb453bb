using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace AspireShop.AppHost.Infrastructure;

/// <summary>
/// One database whose outbox (and, optionally, whole tables) change data capture publishes to Kafka, in either mode:
/// Debezium in containers, the CdcRelay in native mode.
/// </summary>
public sealed record CdcSourceSettings(string Database, IReadOnlyList<string> Tables, string OutboxTable)
{
    public const string DefaultOutboxTable = "public.outbox";

    /// <summary>Publications are per database, so every source shares this name (created FOR ALL TABLES).</summary>
    public const string PublicationName = "aspireshop_cdc";

    /// <summary>Replication slots are cluster-wide, so each database needs its own: <c>aspireshop_cdc_&lt;database&gt;</c>.</summary>
    public string SlotName => $"aspireshop_cdc_{Database}";
}

/// <summary>Reads <c>Cdc:Sources</c>; a bad entry stops the AppHost with a message that says how to fix it.</summary>
public static partial class CdcSettings
{
    public const string SectionName = "Cdc:Sources";

    public static IReadOnlyList<CdcSourceSettings> Read(IConfiguration configuration)
    {
        var sources = new List<CdcSourceSettings>();
        foreach (var section in configuration.GetSection(SectionName).GetChildren())
        {
            var source = ReadSource(section, $"{SectionName}:{section.Key}");
            if (sources.Any(existing => existing.Database == source.Database))
            {
                throw new InfrastructureConfigurationException(
                    $"{SectionName} lists database '{source.Database}' twice. Merge its Tables into one entry in AppHost/appsettings.json.");
            }

            sources.Add(source);
        }

        return sources;
    }

    private static CdcSourceSettings ReadSource(IConfigurationSection section, string path)
    {
        var database = section["Database"]?.Trim();
        if (string.IsNullOrEmpty(database))
        {
            throw new InfrastructureConfigurationException(
                $"{path} has no Database. Give every entry of {SectionName} in AppHost/appsettings.json the database it captures, e.g. \"Database\": \"catalogdb\".");
        }

        if (!DatabaseName().IsMatch(database))
        {
            throw new InfrastructureConfigurationException(
                $"{path}:Database '{database}' cannot name a replication slot and topic prefix. Use a lower-case letter, then lower-case letters, digits or underscores (at most 40 characters).");
        }

        var outbox = section["OutboxTable"]?.Trim() is { Length: > 0 } configured ? configured : CdcSourceSettings.DefaultOutboxTable;
        EnsureTableName(outbox, $"{path}:OutboxTable");

        var tablesSection = section.GetSection("Tables");
        if (tablesSection.Value is { Length: > 0 })
        {
            throw new InfrastructureConfigurationException($"{path}:Tables must be a list, e.g. \"Tables\": [\"public.products\"].");
        }

        var tables = new List<string>();
        foreach (var entry in tablesSection.GetChildren())
        {
            var table = entry.Value?.Trim() ?? "";
            EnsureTableName(table, $"{path}:Tables:{entry.Key}");
            if (string.Equals(table, outbox, StringComparison.OrdinalIgnoreCase))
            {
                throw new InfrastructureConfigurationException(
                    $"{path}:Tables lists the outbox table '{outbox}'. Remove it: outbox rows are published as events on outbox.event.<aggregatetype>, not as change events.");
            }

            if (tables.Contains(table, StringComparer.OrdinalIgnoreCase))
            {
                throw new InfrastructureConfigurationException($"{path}:Tables lists '{table}' twice. Remove one.");
            }

            tables.Add(table);
        }

        return new CdcSourceSettings(database, tables, outbox);
    }

    private static void EnsureTableName(string table, string path)
    {
        if (!TableName().IsMatch(table))
        {
            throw new InfrastructureConfigurationException(
                $"{path} '{table}' is not a schema-qualified table name. Write it as schema.table, e.g. \"public.products\".");
        }
    }

    // 40 leaves room for "aspireshop_cdc_" and "_tables" within Postgres' 63-character slot names.
    [GeneratedRegex("^[a-z][a-z0-9_]{0,39}$")]
    private static partial Regex DatabaseName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}\\.[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex TableName();
}
