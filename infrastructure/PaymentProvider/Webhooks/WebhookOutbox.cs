using System.Text.Json;
using AspireShop.Infrastructure.PaymentProvider.Apis;
using AspireShop.Infrastructure.PaymentProvider.Domain;
using Npgsql;

namespace AspireShop.Infrastructure.PaymentProvider.Webhooks;

/// <summary>Events are rows written with the change they announce: a rolled-back change announces nothing.</summary>
public static class WebhookOutbox
{
    public static async Task AddAsync(NpgsqlTransaction transaction, string type, object subject, long created, CancellationToken cancellationToken)
    {
        var evt = new EventObject { Id = Ids.New(Ids.Event), Type = type, Created = created, Data = new EventData(subject) };
        await using var command = new NpgsqlCommand("INSERT INTO webhook_events (id, type, payload) VALUES ($1, $2, $3)", transaction.Connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = evt.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = type });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(evt, ProviderJson.Options) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
