using Microsoft.AspNetCore.Mvc;
using AspireShop.Infrastructure.PaymentProvider.Data;
using Npgsql;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>What the provider holds, for tests to check a client against: captured charges and refunds.</summary>
public static class LedgerApi
{
    public static void MapLedgerApi(this RouteGroupBuilder v1) =>
        v1.MapGet("/ledger", GetAsync).Produces<LedgerObject>();

    private static async Task<ApiResult> GetAsync(
        NpgsqlDataSource dataSource, [FromQuery(Name = "order_reference")] string? orderReference, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return ApiResult.Ok(await PaymentStore.LedgerAsync(connection, orderReference, cancellationToken));
    }
}
