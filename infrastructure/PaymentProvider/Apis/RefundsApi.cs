using AspireShop.Infrastructure.PaymentProvider.Data;
using AspireShop.Infrastructure.PaymentProvider.Domain;
using AspireShop.Infrastructure.PaymentProvider.Webhooks;

namespace AspireShop.Infrastructure.PaymentProvider.Apis;

/// <summary>Refunds of captured intents, in part or in full, never more than was captured.</summary>
public static class RefundsApi
{
    public static void MapRefundsApi(this RouteGroupBuilder v1) =>
        v1.MapPost("/refunds", CreateAsync).AddEndpointFilter<RateLimitFilter>()
            .Produces<RefundObject>()
            .Produces<ErrorEnvelope>(StatusCodes.Status400BadRequest)
            .Produces<ErrorEnvelope>(StatusCodes.Status404NotFound)
            .Produces<ErrorEnvelope>(StatusCodes.Status409Conflict)
            .Produces<ErrorEnvelope>(StatusCodes.Status429TooManyRequests);

    private static async Task<IResult> CreateAsync(HttpContext context, IdempotentRequests requests, TimeProvider clock)
    {
        var (body, invalid) = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        if (body is null)
        {
            return invalid!;
        }

        body.OnlyKnown("payment_intent", "amount", "metadata", "reason");
        var intentId = body.Text("payment_intent", required: true, 255);
        var requested = body.WholeNumber("amount", required: false, 1, PaymentIntentsApi.MaxAmount);
        var reason = body.Text("reason", required: false, 64);
        var metadata = body.Metadata();
        if (body.Error is { } error)
        {
            return error;
        }

        if (reason is not (null or "duplicate" or "fraudulent" or "requested_by_customer"))
        {
            return ApiResult.InvalidRequest("reason", "Invalid reason: one of duplicate, fraudulent, requested_by_customer.");
        }

        return await requests.ExecuteAsync(context, body, charge: false, async (transaction, _, cancellationToken) =>
        {
            // Locked, so the checks below see what the guarded UPDATE will see; the UPDATE's guard holds regardless.
            var intent = await PaymentStore.FindIntentAsync(transaction.Connection!, transaction, intentId!, cancellationToken);
            if (intent is null)
            {
                return ApiResult.ResourceMissing("payment_intent", "payment_intent", intentId!);
            }

            if (intent.Status != IntentStatus.Succeeded)
            {
                return ApiResult.InvalidRequest(
                    "payment_intent", $"This PaymentIntent ({intent.Id}) does not have a successful charge to refund.", "charge_not_captured");
            }

            var remaining = intent.AmountReceived - intent.AmountRefunded;
            if (remaining == 0)
            {
                return ApiResult.InvalidRequest(null, $"Charge for {intent.Id} has already been refunded.", "charge_already_refunded");
            }

            var amount = requested ?? remaining;
            if (amount > remaining || await PaymentStore.TryAddRefundAsync(transaction, intent.Id, amount, cancellationToken) is null)
            {
                return ApiResult.InvalidRequest(
                    "amount", $"Refund amount ({amount}) is greater than the unrefunded amount on the charge ({remaining}).", "amount_too_large");
            }

            var refund = new RefundObject
            {
                Id = Ids.New(Ids.Refund),
                Amount = amount,
                Currency = intent.Currency,
                PaymentIntent = intent.Id,
                Status = IntentStatus.Succeeded,
                Metadata = metadata,
                Created = clock.GetUtcNow().ToUnixTimeSeconds(),
            };
            await PaymentStore.InsertRefundAsync(transaction, refund, cancellationToken);
            await WebhookOutbox.AddAsync(transaction, EventObject.ChargeRefunded, refund, refund.Created, cancellationToken);
            return ApiResult.Ok(refund);
        });
    }
}
