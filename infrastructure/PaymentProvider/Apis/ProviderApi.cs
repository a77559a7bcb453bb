namespace AspireShop.Infrastructure.PaymentProvider.Apis;

public static class ProviderApi
{
    /// <summary>Everything under /v1 needs the API key; the payment API proper is also counted and slowed by faults.</summary>
    public static void MapProviderApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").AddEndpointFilter<ApiKeyFilter>();
        var payments = v1.MapGroup("").AddEndpointFilter<TrafficFilter>();
        payments.MapPaymentIntentsApi();
        payments.MapRefundsApi();
        v1.MapLedgerApi();
        v1.MapTestApi();
    }
}
