using System.Diagnostics;
using System.Threading.Channels;
using Confluent.Kafka;
using Npgsql;
using Npgsql.Replication;
using Npgsql.Replication.PgOutput;
using Npgsql.Replication.PgOutput.Messages;

namespace AspireShop.Infrastructure.CdcRelay;

public sealed partial class CdcRelay
{
    private readonly Dictionary<uint, TableInfo?> _tables = [];
    private readonly List<(string Topic, Message<byte[]?, byte[]?> Message)> _transaction = [];
    private TransactionInfo _current;
    private Activity? _activity;

    private async Task StreamAsync(
        LogicalReplicationConnection replication, NpgsqlDataSource database, IProducer<byte[]?, byte[]?> producer,
        ChannelWriter<PendingAck> pending, CancellationToken cancellationToken)
    {
        var messages = new DebeziumMessages(Source.Name, DatabaseName, Version);
        var slot = new PgOutputReplicationSlot(Source.SlotName);
        var options = new PgOutputReplicationOptions(Source.PublicationName, PgOutputProtocolVersion.V1);
        await foreach (var message in replication.StartReplication(slot, options, cancellationToken))
        {
            switch (message)
            {
                case BeginMessage begin:
                    _transaction.Clear();
                    _current = new TransactionInfo(begin.TransactionXid, CommitMs(begin.TransactionCommitTimestamp));
                    _activity = Activities.StartActivity("cdc transaction", ActivityKind.Producer);
                    _activity?.SetTag("db.system.name", "postgresql").SetTag("db.namespace", DatabaseName).SetTag("cdc.txid", begin.TransactionXid);
                    break;
                case RelationMessage relation:
                    _tables[relation.RelationId] = await DescribeAsync(relation, database, cancellationToken);
                    break;
                case InsertMessage insert when Table(insert.Relation) is { } table:
                    var inserted = await ReadRowAsync(insert.NewRow, table, cancellationToken);
                    if (table.IsOutbox)
                    {
                        _transaction.Add(DebeziumMessages.OutboxEvent(table, inserted));
                    }

                    AddChange(messages, table, null, inserted, "c", insert.WalStart);
                    break;
                case UpdateMessage update when Table(update.Relation) is { Topic: not null } table:
                    await OnUpdateAsync(messages, table, update, cancellationToken);
                    break;
                case DeleteMessage delete when Table(delete.Relation) is { Topic: not null } table:
                    var deleted = delete switch
                    {
                        FullDeleteMessage full => await ReadRowAsync(full.OldRow, table, cancellationToken),
                        KeyDeleteMessage key => await ReadRowAsync(key.Key, table, cancellationToken),
                        _ => null,
                    };
                    AddChange(messages, table, deleted, null, "d", delete.WalStart);
                    break;
                case CommitMessage commit:
                    await CommitAsync(producer, pending, commit, cancellationToken);
                    break;
            }
        }
    }

    private async Task OnUpdateAsync(DebeziumMessages messages, TableInfo table, UpdateMessage update, CancellationToken cancellationToken)
    {
        // The old tuple comes first on the wire and must be read first.
        var before = update switch
        {
            FullUpdateMessage full => await ReadRowAsync(full.OldRow, table, cancellationToken),
            IndexUpdateMessage key => await ReadRowAsync(key.Key, table, cancellationToken),
            _ => null,
        };
        var after = await ReadRowAsync(update.NewRow, table, cancellationToken);
        for (var i = 0; i < after.Length; i++)
        {
            if (after[i].Kind == TupleDataKind.UnchangedToastedValue && before?[i].Kind == TupleDataKind.TextValue)
            {
                after[i] = before[i];
            }
        }

        var oldKey = before is null ? null : messages.Key(table, before);
        var newKey = messages.Key(table, after);
        if (oldKey is null || newKey is null || oldKey.AsSpan().SequenceEqual(newKey))
        {
            AddChange(messages, table, update is FullUpdateMessage ? before : null, after, "u", update.WalStart);
            return;
        }

        // Debezium turns a primary-key change into a delete (+ tombstone) of the old key and a create of the new one.
        AddChange(messages, table, before, null, "d", update.WalStart, ("__debezium.newkey", newKey));
        AddChange(messages, table, null, after, "c", update.WalStart, ("__debezium.oldkey", oldKey));
    }

    private void AddChange(
        DebeziumMessages messages, TableInfo table, ColumnValue[]? before, ColumnValue[]? after, string op,
        NpgsqlTypes.NpgsqlLogSequenceNumber lsn, (string Name, byte[] Value)? header = null)
    {
        if (table.Topic is not { } topic)
        {
            return;
        }

        var key = messages.Key(table, (after ?? before)!);
        var headers = header is { } h ? new Headers { { h.Name, h.Value } } : null;
        _transaction.Add((topic, new Message<byte[]?, byte[]?> { Key = key, Value = messages.Envelope(table, before, after, op, _current, lsn), Headers = headers }));
        if (op == "d")
        {
            // Tombstone, as Debezium's tombstones.on.delete=true (the default), so compaction can drop the key.
            _transaction.Add((topic, new Message<byte[]?, byte[]?> { Key = key, Value = null, Headers = headers }));
        }
    }

    private async Task CommitAsync(IProducer<byte[]?, byte[]?> producer, ChannelWriter<PendingAck> pending, CommitMessage commit, CancellationToken cancellationToken)
    {
        await _produceGate.WaitAsync(cancellationToken);
        try
        {
            if (_stopping)
            {
                return;
            }

            var deliveries = new Task[_transaction.Count];
            for (var i = 0; i < deliveries.Length; i++)
            {
                deliveries[i] = await ProduceAsync(producer, _transaction[i].Topic, _transaction[i].Message, cancellationToken);
            }

            _activity?.SetTag("cdc.messages", deliveries.Length);
            // TransactionEndLsn, not CommitLsn: acknowledging CommitLsn re-emits this transaction after a restart.
            await pending.WriteAsync(new PendingAck(commit.TransactionEndLsn, deliveries), cancellationToken);
        }
        finally
        {
            _produceGate.Release();
            _transaction.Clear();
            _activity?.Dispose();
            _activity = null;
        }
    }

    /// <summary>Hands the message to librdkafka without waiting for delivery; the returned task completes on delivery.</summary>
    private static async ValueTask<Task> ProduceAsync(IProducer<byte[]?, byte[]?> producer, string topic, Message<byte[]?, byte[]?> message, CancellationToken cancellationToken)
    {
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (true)
        {
            try
            {
                producer.Produce(topic, message, report =>
                {
                    if (report.Error.IsError)
                    {
                        delivered.TrySetException(new ProduceException<byte[]?, byte[]?>(report.Error, report));
                    }
                    else
                    {
                        delivered.TrySetResult();
                    }
                });
                return delivered.Task;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // Back-pressure from librdkafka's local queue: wait for deliveries to make room.
                await Task.Delay(5, cancellationToken);
            }
        }
    }

    private TableInfo? Table(RelationMessage relation) => _tables.GetValueOrDefault(relation.RelationId);

    private async Task<TableInfo?> DescribeAsync(RelationMessage relation, NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var qualified = $"{relation.Namespace}.{relation.RelationName}";
        var captured = Source.Tables.Contains(qualified, StringComparer.Ordinal);
        var outbox = string.Equals(Source.OutboxTable, qualified, StringComparison.Ordinal);
        if (!captured && !outbox)
        {
            return null;
        }

        var names = relation.Columns.Select(c => c.ColumnName).ToArray();
        var primaryKey = captured ? await ReplicationSetup.PrimaryKeyAsync(database, relation.RelationId, cancellationToken) : [];
        return new TableInfo
        {
            Schema = relation.Namespace,
            Table = relation.RelationName,
            ColumnNames = names,
            ColumnTypes = relation.Columns.Select(c => c.DataTypeId).ToArray(),
            KeyColumns = primaryKey.Select(k => Array.IndexOf(names, k)).Where(i => i >= 0).ToArray(),
            ReplicaIdentity = relation.ReplicaIdentity,
            Topic = captured ? $"{Source.Name}.{qualified}" : null,
            IsOutbox = outbox,
        };
    }

    /// <summary>Copies a row out of the stream, column by column in order: Npgsql reuses the message objects.</summary>
    private static async Task<ColumnValue[]> ReadRowAsync(ReplicationTuple tuple, TableInfo table, CancellationToken cancellationToken)
    {
        var row = new ColumnValue[table.ColumnNames.Length];
        var i = 0;
        await foreach (var value in tuple.WithCancellation(cancellationToken))
        {
            row[i++] = value.Kind switch
            {
                TupleDataKind.TextValue => new ColumnValue(TupleDataKind.TextValue, await value.Get<string>(cancellationToken)),
                var kind => new ColumnValue(kind, null),
            };
        }

        return row;
    }

    private static long CommitMs(DateTime commit) =>
        new DateTimeOffset(commit.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(commit, DateTimeKind.Utc) : commit.ToUniversalTime()).ToUnixTimeMilliseconds();
}
