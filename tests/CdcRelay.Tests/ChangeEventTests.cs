using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AspireShop.TestKit;
using Npgsql;

namespace AspireShop.CdcRelay.Tests;

/// <summary>Plain change events must be byte-for-byte what Debezium's JsonConverter (schemas disabled) would publish.</summary>
public sealed class ChangeEventTests(InfrastructureFixture infrastructure) : IClassFixture<InfrastructureFixture>
{
    private const string ProductsDdl =
        """
        CREATE TABLE products (id int PRIMARY KEY, small smallint, big bigint, price numeric(10,2), rating real,
          score double precision, active boolean, attrs jsonb, doc json, uid uuid, name text, code varchar(20),
          created_at timestamptz, local_at timestamp, day date, tags text[]);
        ALTER TABLE products REPLICA IDENTITY FULL;
        CREATE TABLE other (id int PRIMARY KEY);
        """;

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task InsertUpdateDeleteWithFullIdentityPublishDebeziumEnvelopesAndATombstone()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, ProductsDdl);
        using var products = bed.Collect($"{bed.Name}.public.products");
        await bed.StartRelayAsync(bed.Source("public.products"));

        var insert = await CommitAsync(bed,
            """
            INSERT INTO other VALUES (1);
            INSERT INTO products VALUES (1, 7, 9007199254740993, 12.50, 1.5, 2.25, true, '{"b": 1, "a": [1, 2]}', '{"x":  1}',
              'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'Widget <&> "ü"', 'W-1', '2026-11-25 01:02:03.456789+00',
              '2026-11-25 01:02:03.456789', '2026-11-25', '{a,b}')
            """);
        var update = await CommitAsync(bed, "UPDATE products SET name = 'Gadget', price = 13, active = false, created_at = '2026-11-25 03:00:00+02' WHERE id = 1");
        var delete = await CommitAsync(bed, "DELETE FROM products WHERE id = 1");

        var messages = await Poll.UntilAsync(() => Task.FromResult(products.Messages), m => m.Count >= 4, TimeSpan.FromSeconds(20), _ => products.Describe());

        Assert.Equal(4, messages.Count);
        Assert.All(messages, m => Assert.Equal("""{"id":1}""", m.KeyText));
        const string inserted =
            """
            {"id":1,"small":7,"big":9007199254740993,"price":"12.50","rating":1.5,"score":2.25,"active":true,"attrs":"{\"a\": [1, 2], \"b\": 1}","doc":"{\"x\":  1}","uid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","name":"Widget <&> \"ü\"","code":"W-1","created_at":"2026-11-25T01:02:03.456789Z","local_at":1795568523456789,"day":20782,"tags":"{a,b}"}
            """;
        var updated = inserted.Replace("\"12.50\"", "\"13.00\"").Replace("true", "false").Replace("Widget <&> \\\"ü\\\"", "Gadget")
            .Replace("2026-11-25T01:02:03.456789Z", "2026-11-25T01:00:00Z");
        AssertEnvelope(bed, messages[0], "null", inserted, "c", insert);
        AssertEnvelope(bed, messages[1], inserted, updated, "u", update);
        AssertEnvelope(bed, messages[2], updated, "null", "d", delete);
        Assert.Null(messages[3].Value);

        Assert.False(TopicCollector.Exists(infrastructure.KafkaBootstrapServers, $"{bed.Name}.public.other"), "a table not listed in Tables must not be published");
    }

    [Fact]
    public async Task DeleteWithDefaultIdentityCarriesOnlyTheKeyInBefore()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL)");
        using var items = bed.Collect($"{bed.Name}.public.items");
        await bed.StartRelayAsync(bed.Source("public.items"));

        await CommitAsync(bed, "INSERT INTO items VALUES (5, 'five')");
        await CommitAsync(bed, "UPDATE items SET name = 'FIVE' WHERE id = 5");
        await CommitAsync(bed, "DELETE FROM items WHERE id = 5");

        var messages = await Poll.UntilAsync(() => Task.FromResult(items.Messages), m => m.Count >= 4, TimeSpan.FromSeconds(20), _ => items.Describe());
        var update = JsonNode.Parse(messages[1].ValueText!)!;
        Assert.Null(update["before"]);
        Assert.Equal("""{"id":5,"name":"FIVE"}""", update["after"]!.ToJsonString());
        var delete = JsonNode.Parse(messages[2].ValueText!)!;
        Assert.Equal("""{"id":5,"name":null}""", delete["before"]!.ToJsonString());
        Assert.Equal("d", (string?)delete["op"]);
        Assert.Null(messages[3].Value);
    }

    [Fact]
    public async Task PrimaryKeyChangeBecomesDeleteTombstoneAndCreateAsInDebezium()
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure, "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL)");
        using var items = bed.Collect($"{bed.Name}.public.items");
        await bed.StartRelayAsync(bed.Source("public.items"));

        await CommitAsync(bed, "INSERT INTO items VALUES (5, 'five')");
        await CommitAsync(bed, "UPDATE items SET id = 6 WHERE id = 5");

        var messages = await Poll.UntilAsync(() => Task.FromResult(items.Messages), m => m.Count >= 4, TimeSpan.FromSeconds(20), _ => items.Describe());
        var byKey = messages.Skip(1).ToLookup(m => m.KeyText);
        var delete = byKey["""{"id":5}"""].ToArray();
        Assert.Equal("d", (string?)JsonNode.Parse(delete[0].ValueText!)!["op"]);
        Assert.Equal("""{"id":6}""", delete[0].Headers["__debezium.newkey"]);
        Assert.Null(delete[1].Value);
        var create = Assert.Single(byKey["""{"id":6}"""]);
        Assert.Equal("""{"id":6,"name":"five"}""", JsonNode.Parse(create.ValueText!)!["after"]!.ToJsonString());
        Assert.Equal("""{"id":5}""", create.Headers["__debezium.oldkey"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UpdateNotTouchingAToastedValueFillsItOnlyWithFullIdentity(bool fullIdentity)
    {
        await using var bed = await CdcTestBed.CreateAsync(infrastructure,
            $"CREATE TABLE docs (id int PRIMARY KEY, title text, body text); ALTER TABLE docs REPLICA IDENTITY {(fullIdentity ? "FULL" : "DEFAULT")}");
        using var docs = bed.Collect($"{bed.Name}.public.docs");
        await bed.StartRelayAsync(bed.Source("public.docs"));
        var body = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(50_000));

        await using (var insert = bed.Database.CreateCommand("INSERT INTO docs VALUES (1, 'draft', $1)"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = body });
            await insert.ExecuteNonQueryAsync();
        }

        Assert.True(await bed.ScalarAsync<int>("SELECT pg_column_size(body) FROM docs") > 8_000, "the body must be stored out of line");
        await CommitAsync(bed, "UPDATE docs SET title = 'final' WHERE id = 1");

        var messages = await Poll.UntilAsync(() => Task.FromResult(docs.Messages), m => m.Count >= 2, TimeSpan.FromSeconds(20), _ => docs.Describe());
        var update = JsonNode.Parse(messages[1].ValueText!)!;
        Assert.Equal("u", (string?)update["op"]);
        Assert.Equal("final", (string?)update["after"]!["title"]);
        Assert.Equal(fullIdentity ? body : "__debezium_unavailable_value", (string?)update["after"]!["body"]);
        Assert.Equal(fullIdentity ? body : null, (string?)update["before"]?["body"]);
    }

    private static void AssertEnvelope(CdcTestBed bed, Received message, string before, string after, string op, Committed committed)
    {
        var envelope = JsonNode.Parse(message.ValueText!)!.AsObject();
        var source = envelope["source"]!.AsObject();
        var lsn = (ulong)source["lsn"]!;
        Assert.InRange(lsn, committed.LsnBefore, committed.LsnAfter);
        Assert.Equal($"[null,\"{lsn}\"]", (string?)source["sequence"]);
        Assert.Equal(committed.Xid, (uint)source["txId"]!);
        var commitMs = (long)source["ts_ms"]!;
        Assert.InRange(commitMs, committed.StartedMs - 1000, committed.CommittedMs + 1000);
        Assert.InRange((long)envelope["ts_ms"]!, commitMs - 1000, commitMs + 30_000);

        source["lsn"] = 0;
        source["txId"] = 0;
        source["ts_ms"] = 0;
        source["sequence"] = "";
        envelope["ts_ms"] = 0;
        var expected =
            $$"""{"before":{{before}},"after":{{after}},"source":{"version":"1.0.0","connector":"postgresql","name":"{{bed.Name}}","ts_ms":0,"snapshot":"false","db":"{{bed.DatabaseName}}","sequence":"","schema":"public","table":"products","txId":0,"lsn":0,"xmin":null},"op":"{{op}}","ts_ms":0,"transaction":null}""";
        Assert.Equal(expected, envelope.ToJsonString(Relaxed));
    }

    /// <summary>Runs <paramref name="sql"/> in one transaction and records what the event's source block must say about it.</summary>
    internal static async Task<Committed> CommitAsync(CdcTestBed bed, string sql)
    {
        await using var connection = await bed.Database.OpenConnectionAsync();
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var lsnBefore = await LsnAsync(connection);
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand(sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        await using var xid = new NpgsqlCommand("SELECT txid_current()", connection, transaction);
        var id = (uint)(long)(await xid.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return new Committed(id, lsnBefore, await LsnAsync(connection), started, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    private static async Task<ulong> LsnAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint", connection);
        return (ulong)(long)(await command.ExecuteScalarAsync())!;
    }

    internal sealed record Committed(uint Xid, ulong LsnBefore, ulong LsnAfter, long StartedMs, long CommittedMs);
}
