using AspireShop.Infrastructure.PaymentProvider.Data;
using AspireShop.Infrastructure.PaymentProvider.Domain;
using AspireShop.Infrastructure.PaymentProvider.Webhooks;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>Payment intents, confirmed at creation: authorised and captured at once, or declined by the test card.</summary>
public static class PaymentIntentsApi
{
    /// <summary>Stripe's limit: eight digits of minor units.</summary>
    public const long MaxAmount = 99_999_999;

    private const int DefaultListLimit = 100;
    private const int MaxListLimit = 1000;

    public static void MapPaymentIntentsApi(this RouteGroupBuilder v1)
    {
        var intents = v1.MapGroup("/payment_intents");
        intents.MapPost("", CreateAsync).AddEndpointFilter<RateLimitFilter>()
            .Produces<PaymentIntentObject>()
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status402PaymentRequired)
            .Produces<ErrorEnvelope>(StatusCodes.Status409Conflict)
            .Produces<ErrorEnvelope>(StatusCodes.Status429TooManyRequests);
        intents.MapGet("/{id}", GetAsync).Produces<PaymentIntentObject>().Produces<ErrorEnvelope>(StatusCodes.Status404NotFound);
        intents.MapGet("", ListAsync).Produces<ListObject<PaymentIntentObject>>();
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IdempotentRequests requests, TimeProvider clock)
    {
        var (body, invalid) = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        if (body is null)
        {
            return invalid!;
        }

        body.OnlyKnown("amount", "currency", "payment_method", "confirm", "metadata");
        var amount = body.WholeNumber("amount", required: true, 1, MaxAmount);
        var currency = body.Text("currency", required: true, 3);
        var paymentMethod = body.Text("payment_method", required: true, 255);
        var confirm = body.Boolean("confirm");
        var metadata = body.Metadata();
        if (body.Error is { } error)
        {
            return error;
        }

        if (currency!.Length != 3 || !currency.All(char.IsAsciiLetter))
        {
            return ApiResult.InvalidRequest("currency", "Invalid currency: a three-letter ISO code, e.g. usd.");
        }

        if (TestCards.Normalize(paymentMethod!).Length == 0)
        {
            return ApiResult.InvalidRequest("payment_method", "Missing required param: payment_method.");
        }

        // There is no confirm endpoint here: an unconfirmed intent could never be paid.
        if (confirm == false)
        {
            return ApiResult.InvalidRequest("confirm", "This provider only creates confirmed intents: send confirm=true (or leave it out).");
        }

        return await requests.ExecuteAsync(context, body, charge: true, async (transaction, fault, cancellationToken) =>
        {
            var failure = fault == FaultMode.DeclineAll ? TestCards.GenericDecline : TestCards.Charge(paymentMethod!);
            var intent = new PaymentIntentObject
            {
                Id = Ids.New(Ids.PaymentIntent),
                Amount = amount!.Value,
                AmountReceived = failure is null ? amount.Value : 0,
                AmountRefunded = 0,
                Currency = currency.ToLowerInvariant(),
                Status = failure is null ? IntentStatus.Succeeded : IntentStatus.RequiresPaymentMethod,
                PaymentMethod = TestCards.Normalize(paymentMethod!),
                Metadata = metadata,
                LastPaymentError = failure,
                Created = clock.GetUtcNow().ToUnixTimeSeconds(),
            };
            await PaymentStore.InsertIntentAsync(transaction, intent, cancellationToken);
            await WebhookOutbox.AddAsync(
                transaction, failure is null ? EventObject.PaymentIntentSucceeded : EventObject.PaymentIntentFailed, intent, intent.Created, cancellationToken);
            return failure is null
                ? ApiResult.Ok(intent)
                : ApiResult.Error(StatusCodes.Status402PaymentRequired, new ApiError
                {
                    Type = failure.Type,
                    Code = failure.Code,
                    DeclineCode = failure.DeclineCode,
                    Message = failure.Message,
                    PaymentIntent = intent,
                });
        });
    }

    private static async Task<ApiResult> GetAsync(string id, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await PaymentStore.FindIntentAsync(connection, null, id, cancellationToken) is { } intent
            ? ApiResult.Ok(intent)
            : ApiResult.ResourceMissing("id", "payment_intent", id);
    }

    /// <summary>Oldest first: how a client finds what an order's earlier attempts did.</summary>
    private static async Task<ApiResult> ListAsync(
        NpgsqlDataSource dataSource, [FromQuery(Name = "order_reference")] string? orderReference, int? limit, CancellationToken cancellationToken)
    {
        limit ??= DefaultListLimit;
        if (limit is < 1 or > MaxListLimit)
        {
            return ApiResult.InvalidRequest("limit", $"limit must be from 1 to {MaxListLimit}.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return ApiResult.Ok(await PaymentStore.ListIntentsAsync(connection, orderReference, limit.Value, cancellationToken));
    }
}
