namespace AspireShop.AppHost.Infrastructure.Debezium;

/// <summary>How Debezium Connect reaches Postgres; ToString leaves the password out so it can never reach a log.</summary>
public sealed record DebeziumDatabaseLogin(string Host, int Port, string User, string Password)
{
    public override string ToString() => $"{User}@{Host}:{Port}";
}

/// <summary>One connector as Kafka Connect's REST API takes it: <c>PUT /connectors/{Name}/config</c> with Config as the body.</summary>
public sealed record DebeziumConnector(string Name, string SlotName, IReadOnlyDictionary<string, string> Config);

/// <summary>
/// Pure translation of <see cref="CdcSourceSettings"/> into Debezium Postgres connector configurations that emit exactly
/// the formats the CdcRelay emits in native mode. Converters are per connector in Kafka Connect, so a source gets two:
/// the outbox one keys messages with the plain aggregateid (StringConverter), the tables one with Debezium's JSON key.
/// </summary>
public static class DebeziumConnectorConfig
{
    public const string HeartbeatMessagePrefix = "aspireshop_heartbeat";

    private const string JsonConverter = "org.apache.kafka.connect.json.JsonConverter";

    public static IReadOnlyList<DebeziumConnector> Build(IReadOnlyList<CdcSourceSettings> sources, DebeziumDatabaseLogin login) =>
        [.. sources.SelectMany(source => ForSource(source, login))];

    public static IEnumerable<DebeziumConnector> ForSource(CdcSourceSettings source, DebeziumDatabaseLogin login)
    {
        yield return Outbox(source, login);
        if (source.Tables.Count > 0)
        {
            yield return Tables(source, login);
        }
    }

    /// <summary>Outbox rows only, routed to <c>outbox.event.&lt;aggregatetype&gt;</c> with the raw JSON payload as value.</summary>
    public static DebeziumConnector Outbox(CdcSourceSettings source, DebeziumDatabaseLogin login)
    {
        var name = $"aspireshop-{source.Database}";
        var config = Common(name, source, login);
        config["slot.name"] = source.SlotName;
        config["table.include.list"] = Pattern(source.OutboxTable);
        // The router drops deletes itself; a tombstone would only be noise on the unrouted topic.
        config["tombstones.on.delete"] = "false";
        config["key.converter"] = "org.apache.kafka.connect.storage.StringConverter";
        config["transforms"] = "outbox";
        config["transforms.outbox.type"] = "io.debezium.transforms.outbox.EventRouter";
        // Heartbeats are records too; only the outbox table's records have the shape the router expects.
        config["transforms.outbox.predicate"] = "isOutboxTable";
        config["transforms.outbox.table.field.event.id"] = "id";
        config["transforms.outbox.table.field.event.key"] = "aggregateid";
        config["transforms.outbox.table.field.event.payload"] = "payload";
        config["transforms.outbox.table.expand.json.payload"] = "true";
        config["transforms.outbox.table.fields.additional.placement"] = "type:header:type,traceparent:header:traceparent,tracestate:header:tracestate";
        config["transforms.outbox.route.by.field"] = "aggregatetype";
        config["transforms.outbox.route.topic.replacement"] = "outbox.event.${routedByValue}";
        config["predicates"] = "isOutboxTable";
        config["predicates.isOutboxTable.type"] = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches";
        config["predicates.isOutboxTable.pattern"] = Pattern($"{source.Database}.{source.OutboxTable}");
        return new DebeziumConnector(name, source.SlotName, config);
    }

    /// <summary>Plain change events on <c>&lt;database&gt;.&lt;schema&gt;.&lt;table&gt;</c>, tombstone after each delete.</summary>
    public static DebeziumConnector Tables(CdcSourceSettings source, DebeziumDatabaseLogin login)
    {
        var name = $"aspireshop-{source.Database}-tables";
        var slot = $"{source.SlotName}_tables";
        var config = Common(name, source, login);
        config["slot.name"] = slot;
        config["table.include.list"] = string.Join(',', source.Tables.Select(Pattern));
        config["tombstones.on.delete"] = "true";
        config["key.converter"] = JsonConverter;
        config["key.converter.schemas.enable"] = "false";
        return new DebeziumConnector(name, slot, config);
    }

    private static Dictionary<string, string> Common(string name, CdcSourceSettings source, DebeziumDatabaseLogin login) => new()
    {
        ["connector.class"] = "io.debezium.connector.postgresql.PostgresConnector",
        ["tasks.max"] = "1",
        ["plugin.name"] = "pgoutput",
        ["database.hostname"] = login.Host,
        ["database.port"] = login.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["database.user"] = login.User,
        ["database.password"] = login.Password,
        ["database.dbname"] = source.Database,
        ["topic.prefix"] = source.Database,
        ["publication.name"] = CdcSourceSettings.PublicationName,
        // FOR ALL TABLES: 'filtered' fails the task while a service has not yet migrated its outbox table into existence.
        ["publication.autocreate.mode"] = "all_tables",
        ["snapshot.mode"] = "initial",
        ["decimal.handling.mode"] = "string",
        ["time.precision.mode"] = "adaptive",
        // WAL is cluster-wide: an idle database's slot advances only if something is decoded there, hence the message.
        ["heartbeat.interval.ms"] = "10000",
        ["heartbeat.action.query"] = $"SELECT pg_logical_emit_message(false, '{HeartbeatMessagePrefix}', now()::text)",
        // Still advances the offset (it is updated before the prefix filter) but never becomes a <prefix>.message event.
        ["message.prefix.exclude.list"] = HeartbeatMessagePrefix,
        // Both connectors of a database share topic.prefix, which would otherwise collide on JMX MBean names.
        ["custom.metric.tags"] = $"connector={name}",
        ["value.converter"] = JsonConverter,
        ["value.converter.schemas.enable"] = "false",
        ["header.converter"] = "org.apache.kafka.connect.storage.SimpleHeaderConverter",
    };

    /// <summary>Include lists and predicates are anchored regular expressions: the dots must be literal.</summary>
    private static string Pattern(string qualifiedName) => qualifiedName.Replace(".", "\\.", StringComparison.Ordinal);
}
