using System.Text.RegularExpressions;
using AspireShop.AppHost.Infrastructure;
using AspireShop.AppHost.Infrastructure.Debezium;
using AspireShop.TestKit;
using Microsoft.Extensions.Configuration;

namespace AspireShop.Platform.Tests;

/// <summary>
/// The generated connector configurations, checked against the keys and values Debezium documents:
/// https://debezium.io/documentation/reference/3.2/connectors/postgresql.html#postgresql-connector-properties
/// https://debezium.io/documentation/reference/3.2/transformations/outbox-event-router.html#outbox-event-router-configuration-options
/// https://debezium.io/documentation/reference/3.2/transformations/applying-transformations-selectively.html (predicates)
/// </summary>
public sealed class DebeziumConnectorTests
{
    private static readonly DebeziumDatabaseLogin Login = new("postgres", 5432, "postgres", "s3cret-Pa55");

    private static readonly CdcSourceSettings Catalog = new("catalogdb", ["public.products", "public.skus"], CdcSourceSettings.DefaultOutboxTable);

    [Fact]
    public void OutboxConnectorCapturesOnlyTheOutboxAndRoutesItWithTheEventRouter()
    {
        var outbox = DebeziumConnectorConfig.Outbox(Catalog, Login);
        var config = outbox.Config;

        Assert.Equal("aspireshop-catalogdb", outbox.Name);
        AssertPostgresConnection(config);
        Assert.Equal("aspireshop_cdc_catalogdb", config["slot.name"]);
        Assert.Equal(@"public\.outbox", config["table.include.list"]);

        Assert.Equal("outbox", config["transforms"]);
        Assert.Equal("io.debezium.transforms.outbox.EventRouter", config["transforms.outbox.type"]);
        Assert.Equal("aggregatetype", config["transforms.outbox.route.by.field"]);
        Assert.Equal("outbox.event.${routedByValue}", config["transforms.outbox.route.topic.replacement"]);
        Assert.Equal("id", config["transforms.outbox.table.field.event.id"]);
        Assert.Equal("aggregateid", config["transforms.outbox.table.field.event.key"]);
        Assert.Equal("payload", config["transforms.outbox.table.field.event.payload"]);
        Assert.Equal("true", config["transforms.outbox.table.expand.json.payload"]);
        Assert.Equal(
            "type:header:type,traceparent:header:traceparent,tracestate:header:tracestate",
            config["transforms.outbox.table.fields.additional.placement"]);

        // The predicate is wired to the transform and matches the outbox table's topic, not heartbeats or other tables.
        var predicate = config["transforms.outbox.predicate"];
        Assert.Equal(predicate, config["predicates"]);
        Assert.Equal("org.apache.kafka.connect.transforms.predicates.TopicNameMatches", config[$"predicates.{predicate}.type"]);
        var pattern = new Regex($"^(?:{config[$"predicates.{predicate}.pattern"]})$");
        Assert.Matches(pattern, "catalogdb.public.outbox");
        Assert.DoesNotMatch(pattern, "catalogdb.public.products");
        Assert.DoesNotMatch(pattern, "catalogdbXpublicXoutbox");
        Assert.DoesNotMatch(pattern, "__debezium-heartbeat.catalogdb");

        // Key bytes are the plain aggregateid (JsonConverter would quote it); the value is the expanded JSON payload.
        Assert.Equal("org.apache.kafka.connect.storage.StringConverter", config["key.converter"]);
        Assert.Equal("org.apache.kafka.connect.json.JsonConverter", config["value.converter"]);
        Assert.Equal("false", config["value.converter.schemas.enable"]);
        Assert.Equal("org.apache.kafka.connect.storage.SimpleHeaderConverter", config["header.converter"]);
    }

    [Fact]
    public void TablesConnectorEmitsSchemalessJsonChangeEventsWithTombstones()
    {
        var tables = DebeziumConnectorConfig.Tables(Catalog, Login);
        var config = tables.Config;

        Assert.Equal("aspireshop-catalogdb-tables", tables.Name);
        AssertPostgresConnection(config);
        Assert.Equal("aspireshop_cdc_catalogdb_tables", config["slot.name"]);
        Assert.Equal(@"public\.products,public\.skus", config["table.include.list"]);
        Assert.Equal("true", config["tombstones.on.delete"]);
        Assert.Equal("org.apache.kafka.connect.json.JsonConverter", config["key.converter"]);
        Assert.Equal("false", config["key.converter.schemas.enable"]);
        Assert.Equal("org.apache.kafka.connect.json.JsonConverter", config["value.converter"]);
        Assert.Equal("false", config["value.converter.schemas.enable"]);
        Assert.DoesNotContain("transforms", config.Keys);
    }

    [Fact]
    public void EverySourceGetsItsOwnSlotsAndASourceWithoutTablesOnlyAnOutboxConnector()
    {
        var orders = new CdcSourceSettings("orderingdb", [], CdcSourceSettings.DefaultOutboxTable);
        var connectors = DebeziumConnectorConfig.Build([Catalog, orders], Login);

        Assert.Equal(["aspireshop-catalogdb", "aspireshop-catalogdb-tables", "aspireshop-orderingdb"], connectors.Select(c => c.Name));
        var slots = connectors.Select(c => c.Config["slot.name"]).ToList();
        Assert.Equal(slots.Count, slots.Distinct().Count());
        // Postgres: "Each replication slot has a name, which can contain lower-case letters, numbers, and the underscore character."
        Assert.All(slots, slot => Assert.Matches("^[a-z0-9_]{1,63}$", slot));
        Assert.All(connectors, c => Assert.Equal(c.SlotName, c.Config["slot.name"]));
        Assert.All(connectors, c => Assert.Equal(CdcSourceSettings.PublicationName, c.Config["publication.name"]));
    }

    [Fact]
    public void PasswordIsOnlyInTheDatabasePasswordKey()
    {
        var connectors = DebeziumConnectorConfig.Build([Catalog], Login);

        Assert.All(connectors, c => Assert.Single(c.Config, entry => entry.Value.Contains(Login.Password, StringComparison.Ordinal)));
        Assert.DoesNotContain(Login.Password, Login.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Login.Password, connectors[0].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void SettingsReadDatabaseTablesAndTheDefaultOutbox()
    {
        var sources = CdcSettings.Read(Configuration(new()
        {
            ["Cdc:Sources:0:Database"] = "catalogdb",
            ["Cdc:Sources:0:Tables:0"] = "public.products",
            ["Cdc:Sources:0:Tables:1"] = "public.skus",
            ["Cdc:Sources:1:Database"] = "orderingdb",
            ["Cdc:Sources:1:OutboxTable"] = "ordering.outbox",
        }));

        Assert.Collection(
            sources,
            catalog =>
            {
                Assert.Equal("catalogdb", catalog.Database);
                Assert.Equal(["public.products", "public.skus"], catalog.Tables);
                Assert.Equal("public.outbox", catalog.OutboxTable);
                Assert.Equal("aspireshop_cdc_catalogdb", catalog.SlotName);
            },
            ordering =>
            {
                Assert.Empty(ordering.Tables);
                Assert.Equal("ordering.outbox", ordering.OutboxTable);
            });
    }

    [Fact]
    public void AppSettingsDeclareTheCatalogTablesAndTheServicesOutboxesAsSources()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryPaths.Root, "AppHost", "appsettings.json"))
            .Build();

        var sources = CdcSettings.Read(configuration).ToDictionary(s => s.Database);
        Assert.Equal(["catalogdb", "fulfillmentdb", "inventorydb", "orderingdb", "paymentdb", "sellerdb"], sources.Keys.Order());
        Assert.Equal(["public.offers", "public.products", "public.skus"], sources["catalogdb"].Tables.Order());
        // The other services publish only through their outboxes; their tables stay private.
        Assert.All(sources.Values.Where(s => s.Database != "catalogdb"), s => Assert.Empty(s.Tables));
        Assert.All(sources.Values, s => Assert.Equal(CdcSourceSettings.DefaultOutboxTable, s.OutboxTable));
    }

    [Fact]
    public void SourceWithoutDatabaseNamesTheEntry()
    {
        var configuration = Configuration(new()
        {
            ["Cdc:Sources:0:Database"] = "catalogdb",
            ["Cdc:Sources:1:Tables:0"] = "public.orders",
        });

        var error = Assert.Throws<InfrastructureConfigurationException>(() => CdcSettings.Read(configuration));
        Assert.Contains("Cdc:Sources:1 has no Database", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Database", "Catalog-DB", "Cdc:Sources:0:Database 'Catalog-DB'")]
    [InlineData("Tables:0", "products", "Cdc:Sources:0:Tables:0 'products' is not a schema-qualified table name")]
    [InlineData("Tables:0", "public.outbox", "lists the outbox table")]
    [InlineData("Tables", "public.products", "Cdc:Sources:0:Tables must be a list")]
    [InlineData("OutboxTable", "public.out box", "Cdc:Sources:0:OutboxTable 'public.out box'")]
    public void InvalidEntrySaysWhatToFix(string key, string value, string expected)
    {
        var values = new Dictionary<string, string?> { ["Cdc:Sources:0:Database"] = "catalogdb", [$"Cdc:Sources:0:{key}"] = value };

        var error = Assert.Throws<InfrastructureConfigurationException>(() => CdcSettings.Read(Configuration(values)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DatabaseListedTwiceIsRejected()
    {
        var configuration = Configuration(new() { ["Cdc:Sources:0:Database"] = "catalogdb", ["Cdc:Sources:1:Database"] = "catalogdb" });

        var error = Assert.Throws<InfrastructureConfigurationException>(() => CdcSettings.Read(configuration));
        Assert.Contains("'catalogdb' twice", error.Message, StringComparison.Ordinal);
    }

    private static void AssertPostgresConnection(IReadOnlyDictionary<string, string> config)
    {
        Assert.Equal("io.debezium.connector.postgresql.PostgresConnector", config["connector.class"]);
        Assert.Equal("pgoutput", config["plugin.name"]);
        Assert.Equal("postgres", config["database.hostname"]);
        Assert.Equal("5432", config["database.port"]);
        Assert.Equal("postgres", config["database.user"]);
        Assert.Equal(Login.Password, config["database.password"]);
        Assert.Equal("catalogdb", config["database.dbname"]);
        Assert.Equal("catalogdb", config["topic.prefix"]);
        Assert.Equal("aspireshop_cdc", config["publication.name"]);
        Assert.Equal("all_tables", config["publication.autocreate.mode"]);
        Assert.Equal("initial", config["snapshot.mode"]);
        Assert.Equal("string", config["decimal.handling.mode"]);
        Assert.Equal("adaptive", config["time.precision.mode"]);
        Assert.Equal("10000", config["heartbeat.interval.ms"]);
        Assert.Contains("pg_logical_emit_message(false, 'aspireshop_heartbeat'", config["heartbeat.action.query"], StringComparison.Ordinal);
        Assert.Equal("aspireshop_heartbeat", config["message.prefix.exclude.list"]);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
