using System.Text.Json;
using AspireShop.BuildingBlocks.Messaging;
using AspireShop.BuildingBlocks.Workers;
using AspireShop.Payment.API.Domain;
using AspireShop.Payment.API.Extensions;
using AspireShop.Payment.Contracts;
using AspireShop.ServiceDefaults.Diagnostics;
using Microsoft.Extensions.Options;

namespace AspireShop.Payment.API.Services;

/// <summary>
/// Another worker is asking the provider about this payment right now, or a refund waits for its charge's unknown
/// outcome. Thrown so the consumer host retries the command shortly; the answer is usually seconds away.
/// </summary>
public sealed class PaymentOutcomePendingException(string message) : Exception(message);

/// <summary>
/// Payment's side of the checkout saga. Each step is claim → provider call → record, in separate short transactions:
/// a guarded claim decides who calls the provider, the call carries a deterministic idempotency key (so any repeat
/// replays the first answer), and the outcome is recorded with the reply. An unanswered call leaves the payment
/// UNKNOWN, never FAILED: only the provider knows whether it charged. The <see cref="PaymentReconciler"/> then asks it
/// again on a backoff schedule (the command's consumer moves on), and parks what never gets an answer.
/// </summary>
public sealed partial class PaymentProcessor(
    PaymentStore store,
    ProviderClient provider,
    PaymentMetrics metrics,
    TimeProvider clock,
    IOptions<PaymentOptions> options,
    ILogger<PaymentProcessor> logger)
{
    public const int MaxReasonLength = 200;

    public async Task ChargeAsync(ChargePayment command, Receipt receipt, CancellationToken cancellationToken)
    {
        if (Money.ToMinorUnits(command.Amount) is null || !Money.IsCurrency(command.Currency) || string.IsNullOrWhiteSpace(command.PaymentMethod))
        {
            throw new PoisonMessageException($"ChargePayment for order {command.OrderId} has no chargeable amount, currency or payment method.");
        }

        if (await store.WasHandledAsync(receipt, cancellationToken))
        {
            return;
        }

        var (payment, claimed) = await store.ClaimChargeAsync(command, cancellationToken);
        if (claimed)
        {
            await ChargeClaimedAsync(payment, receipt, cancellationToken);
        }
        else if (PaymentStore.ChargeReply(payment) is { } recorded)
        {
            await store.AnswerAsync(receipt, recorded, cancellationToken);
        }
        else
        {
            throw new PaymentOutcomePendingException($"The charge of order {command.OrderId} is being asked about by another worker.");
        }
    }

    public async Task RefundAsync(RefundPayment command, Receipt receipt, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(command.Reason) || command.Reason.Length > MaxReasonLength)
        {
            throw new PoisonMessageException($"RefundPayment for order {command.OrderId} has no usable reason.");
        }

        if (await store.WasHandledAsync(receipt, cancellationToken))
        {
            return;
        }

        var payment = await store.FenceAsync(command.OrderId, cancellationToken);
        if (payment.Status is PaymentStatus.Processing or PaymentStatus.Unknown)
        {
            // Nothing can be refunded before the charge is settled: the same charge call, with the same key, settles it.
            if (!await store.ClaimUnsettledChargeAsync(payment.Id, cancellationToken))
            {
                throw new PaymentOutcomePendingException($"The charge of order {command.OrderId} is being asked about by another worker.");
            }

            payment = await ChargeClaimedAsync(payment, receipt: null, cancellationToken)
                ?? throw new PaymentOutcomePendingException($"The charge of order {command.OrderId} is still unknown; its refund waits for it.");
        }

        if (payment.Status != PaymentStatus.Succeeded)
        {
            await store.AnswerAsync(receipt, new PaymentRefunded(payment.OrderId, payment.Id, 0m, payment.Currency ?? "", command.Reason), cancellationToken);
            metrics.RefundSettled("nothing_captured");
            LogNothingToRefund(command.OrderId, payment.Status, payment.FailureReason);
            return;
        }

        var (refund, claimed, settled) = await store.OpenRefundAsync(payment.Id, command.Reason, amount: null, receipt, cancellationToken);
        if (settled)
        {
            metrics.RefundSettled("nothing_left");
            return;
        }

        if (refund.Status == RefundStatus.Succeeded)
        {
            await store.AnswerAsync(receipt, PaymentStore.RefundReply(payment, refund), cancellationToken);
            return;
        }

        if (!claimed)
        {
            throw new PaymentOutcomePendingException($"The refund {command.Reason} of order {command.OrderId} is being asked about by another worker.");
        }

        await RefundClaimedAsync(payment, refund, receipt, cancellationToken);
    }

    /// <summary>
    /// Refunds part of an order's capture, once per <paramref name="reason"/> (a seller's cancelled part of a confirmed
    /// order): <paramref name="amount"/>, never more than is left of the capture. Through the same refund row, provider
    /// key and reconciler as a full refund; answered once, with the change that settles the refund, whoever settles it
    /// (nobody waits on the reply, and a payout ledger reads it: a second one would count twice).
    /// </summary>
    public async Task RefundPartAsync(Guid orderId, string reason, decimal amount, string currency, Receipt receipt, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxReasonLength)
        {
            throw new PoisonMessageException($"The part refund of order {orderId} has no usable reason.");
        }

        if ((amount != 0 && Money.ToMinorUnits(amount) is null) || !Money.IsCurrency(currency))
        {
            throw new PoisonMessageException($"The part refund {reason} of order {orderId} has no refundable amount or currency: {amount} {currency}.");
        }

        if (await store.WasHandledAsync(receipt, cancellationToken))
        {
            return;
        }

        // An order is confirmed only on a capture recorded here, so a charge not settled yet is a lag: asked again later.
        var payment = await store.FindAsync(orderId, cancellationToken);
        if (payment is null || !PaymentStatus.IsFinal(payment.Status))
        {
            throw new PaymentOutcomePendingException($"The part refund {reason} of order {orderId} waits for its charge ({payment?.Status ?? "none yet"}).");
        }

        if (payment.Status == PaymentStatus.Succeeded && !string.Equals(payment.Currency, currency, StringComparison.OrdinalIgnoreCase))
        {
            throw new PoisonMessageException($"The part refund {reason} of order {orderId} is in {currency}, its payment in {payment.Currency}.");
        }

        var (refund, claimed, settled) = await store.OpenRefundAsync(payment.Id, reason, amount, receipt, cancellationToken);
        if (settled)
        {
            metrics.RefundSettled(payment.Status == PaymentStatus.Succeeded ? "nothing_left" : "nothing_captured");
            LogNothingLeft(orderId, reason, payment.Status);
            return;
        }

        if (!claimed)
        {
            // Refunded already, or another worker (or the reconciler, after its lease) calls and replies when it settles.
            await store.AnswerAsync(receipt, reply: null, cancellationToken);
            return;
        }

        await RefundClaimedAsync(payment, refund, receipt, cancellationToken);
    }

    /// <summary>The PaymentReconciler's turn on a leased charge: ask the provider again, settle or schedule the next ask.</summary>
    public async Task ReconcileChargeAsync(Guid paymentId, CancellationToken cancellationToken)
    {
        metrics.ReconcileAttempt("charge");
        var payment = await store.GetAsync(paymentId, cancellationToken);
        if (payment.Status == PaymentStatus.Processing)
        {
            await ChargeClaimedAsync(payment, receipt: null, cancellationToken);
        }
    }

    /// <summary>The PaymentReconciler's turn on a leased refund: repeat it with its key, settle or schedule the next ask.</summary>
    public async Task ReconcileRefundAsync(Guid refundId, CancellationToken cancellationToken)
    {
        metrics.ReconcileAttempt("refund");
        var refund = await store.GetRefundAsync(refundId, cancellationToken);
        if (refund.Status != RefundStatus.Succeeded)
        {
            await RefundClaimedAsync(await store.GetAsync(refund.PaymentId, cancellationToken), refund, receipt: null, cancellationToken);
        }
    }

    /// <summary>Calls the provider for a claimed refund and records what it said, or when to ask again.</summary>
    private async Task RefundClaimedAsync(OrderPayment payment, Refund refund, Receipt? receipt, CancellationToken cancellationToken)
    {
        var intentId = payment.ProviderIntentId
            ?? throw new InvalidOperationException($"Payment {payment.Id} succeeded without a provider intent id.");
        var answer = await provider.CreateRefundAsync(
            new CreateRefundRequest(intentId, Money.ToMinorUnits(refund.Amount), new Dictionary<string, string>
            {
                [PaymentIntent.OrderReferenceKey] = payment.OrderId.ToString(),
                ["reason"] = refund.Reason,
            }),
            Refund.ProviderKey(payment.Id, refund.Reason),
            cancellationToken);
        if (answer.Outcome == ProviderOutcome.Ok)
        {
            CrashPoints.Hit("refund-after-provider");
            if (await store.SettleRefundAsync(payment, refund, answer.Value!.Id, receipt, cancellationToken))
            {
                metrics.RefundSettled("refunded");
                LogRefunded(payment.OrderId, refund.Amount, refund.Reason);
            }

            return;
        }

        // Rejected too: the refund row holds its amount, so it is asked again, and parked if it never works.
        var retry = NextAsk(refund.ReconcileAttempts, answer.RetryAfter);
        await store.MarkRefundUnknownAsync(refund.Id, retry, receipt, cancellationToken);
        metrics.Unknown("refund");
        if (retry.Park)
        {
            metrics.Parked("refund");
            LogParked("refund", payment.OrderId, refund.ReconcileAttempts, answer.Detail);
        }
    }

    /// <summary>
    /// A provider event is only a prompt: the intent is fetched again and the provider's truth applied to a payment
    /// still in flight. False when the provider could not be asked (the webhook should be delivered again).
    /// </summary>
    public async Task<bool> ApplyWebhookAsync(ProviderEvent providerEvent, CancellationToken cancellationToken)
    {
        var receipt = Receipt.Webhook(providerEvent.Id);
        if (await store.WasHandledAsync(receipt, cancellationToken))
        {
            return true;
        }

        if (IntentIdOf(providerEvent.Data.Target) is not { } intentId)
        {
            await store.AnswerAsync(receipt, reply: null, cancellationToken);
            return true;
        }

        if (RefundReasonOf(providerEvent.Data.Target) is { } reason)
        {
            // The refund's worker may have died after the provider refunded: the reconciler asks again with the same key
            // now, instead of after the dead worker's lease. A live worker's settle and the reconciler's are one (guarded).
            if (await store.MakeRefundDueAsync(intentId, reason, cancellationToken))
            {
                LogRefundPrompted(intentId, providerEvent.Id);
            }

            await store.AnswerAsync(receipt, reply: null, cancellationToken);
            return true;
        }

        // A payment already settled here cannot move (transitions are monotonic): no need to ask the provider again.
        if (await store.FindByIntentAsync(intentId, cancellationToken) is { Status: PaymentStatus.Succeeded or PaymentStatus.Failed })
        {
            await store.AnswerAsync(receipt, reply: null, cancellationToken);
            return true;
        }

        var answer = await provider.GetPaymentIntentAsync(intentId, cancellationToken);
        if (answer.Outcome == ProviderOutcome.Unknown)
        {
            return false;
        }

        var intent = answer.Value;
        var payment = intent is null ? null
            : intent.OrderReference is { } orderId ? await store.FindAsync(orderId, cancellationToken)
            : await store.FindByIntentAsync(intent.Id, cancellationToken);
        if (payment is null || intent is null || payment.Status is not (PaymentStatus.Processing or PaymentStatus.Unknown)
            || Settlement(intent) is not { } settlement)
        {
            await store.AnswerAsync(receipt, reply: null, cancellationToken);
            return true;
        }

        var (_, settled) = await store.SettleChargeAsync(payment.Id, settlement, receipt, cancellationToken);
        if (settled)
        {
            metrics.ChargeSettled(settlement.FailureReason ?? "succeeded");
            LogSettledByWebhook(payment.OrderId, settlement.Status, providerEvent.Id);
        }

        return true;
    }

    /// <summary>
    /// Calls the provider for a claimed charge and records what it said; null while that is unknown, when the next ask
    /// is scheduled for the PaymentReconciler (or the payment parked) and the asking command recorded as handled.
    /// </summary>
    private async Task<OrderPayment?> ChargeClaimedAsync(OrderPayment payment, Receipt? receipt, CancellationToken cancellationToken)
    {
        var (settlement, retryAfter) = await AskProviderAsync(payment, cancellationToken);
        if (settlement is null)
        {
            var retry = NextAsk(payment.ReconcileAttempts, retryAfter);
            await store.MarkChargeUnknownAsync(payment.Id, retry, receipt, cancellationToken);
            metrics.Unknown("charge");
            if (retry.Park)
            {
                metrics.Parked("charge");
                LogParked("charge", payment.OrderId, payment.ReconcileAttempts, "no answer");
            }

            return null;
        }

        // The provider charged and Payment has not recorded it: only the reconciler's ask with the same key can tell.
        CrashPoints.Hit("charge-after-provider");
        var (settledPayment, settled) = await store.SettleChargeAsync(payment.Id, settlement, receipt, cancellationToken);
        if (settled)
        {
            metrics.ChargeSettled(settlement.FailureReason ?? "succeeded");
            LogCharged(payment.OrderId, settlement.Status, settlement.FailureReason);
        }

        return settledPayment;
    }

    /// <summary>
    /// After <paramref name="attempts"/> asks: the next one after a full-jitter backoff (never before the provider's
    /// Retry-After), or parked once the reconciler has asked its last time.
    /// </summary>
    private RetrySchedule NextAsk(int attempts, TimeSpan? retryAfter)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        if (attempts >= settings.ReconcileMaxAttempts)
        {
            return new RetrySchedule(now, Park: true);
        }

        var wait = Backoff.FullJitter(settings.ReconcileInitialBackoff, settings.ReconcileMaxBackoff, attempts + 2);
        return new RetrySchedule(now + (retryAfter > wait ? retryAfter.Value : wait), Park: false);
    }

    /// <summary>
    /// The charge's outcome, from repeating the keyed charge call (or a look-up where that cannot help); no settlement
    /// when unknown, with the provider's Retry-After if it gave one.
    /// </summary>
    private async Task<(ChargeSettlement? Settlement, TimeSpan? RetryAfter)> AskProviderAsync(OrderPayment payment, CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow() - payment.CreatedAt > options.Value.ReplayWindow)
        {
            // The key may have expired, so a repeat could charge again: ask by reference, and charge only if nothing exists.
            var found = await provider.FindPaymentIntentsAsync(payment.OrderId, cancellationToken);
            if (found.Outcome != ProviderOutcome.Ok)
            {
                return (null, found.RetryAfter);
            }

            if (found.Value!.Data.Count > 0)
            {
                return (Settlement(found.Value.Data), null);
            }
        }

        var request = new CreatePaymentIntentRequest(
            Money.ToMinorUnits(payment.Amount!.Value)!.Value,
            Money.ToProvider(payment.Currency!),
            payment.PaymentMethod!,
            Confirm: true,
            new Dictionary<string, string> { [PaymentIntent.OrderReferenceKey] = payment.OrderId.ToString() });
        var answer = await provider.CreatePaymentIntentAsync(request, OrderPayment.ChargeKey(payment.OrderId), cancellationToken);
        switch (answer.Outcome)
        {
            case ProviderOutcome.Ok:
                // A repeat with the key replays the first answer, not the intent's state now: one still processing is read again.
                return (Settlement(answer.Value!) ?? await SettlementByIdAsync(answer.Value!.Id, cancellationToken), null);
            case ProviderOutcome.CardError:
                return (ChargeSettlement.Failed(FailureReasons.FromCardError(answer.Error?.Code, answer.Error?.DeclineCode), answer.Error?.PaymentIntent?.Id), null);
            case ProviderOutcome.Rejected when answer.IsInvalidRequest:
                // Refused before it executed (an amount over the provider's limit): no retry can charge it, so the saga is told.
                return (ChargeSettlement.Failed(PaymentFailureReasons.ProcessingError, null), null);
            case ProviderOutcome.Unknown when answer.Replayed:
                // The key's first answer was itself an error, so repeating replays only that: the intents say what happened.
                var intents = await provider.FindPaymentIntentsAsync(payment.OrderId, cancellationToken);
                return (intents.Outcome == ProviderOutcome.Ok ? Settlement(intents.Value!.Data) : null, intents.RetryAfter);
            default:
                return (null, answer.RetryAfter);
        }
    }

    private async Task<ChargeSettlement?> SettlementByIdAsync(string intentId, CancellationToken cancellationToken)
    {
        var current = await provider.GetPaymentIntentAsync(intentId, cancellationToken);
        return current.Outcome == ProviderOutcome.Ok ? Settlement(current.Value!) : null;
    }

    /// <summary>An order's intents settle its charge if one succeeded, or else if one failed; null while none has.</summary>
    private static ChargeSettlement? Settlement(IEnumerable<PaymentIntent> intents)
    {
        var settlements = intents.Select(Settlement).OfType<ChargeSettlement>().ToList();
        return settlements.FirstOrDefault(s => s.Status == PaymentStatus.Succeeded) ?? settlements.FirstOrDefault();
    }

    /// <summary>What a payment intent says about its charge; null while it is still processing.</summary>
    private static ChargeSettlement? Settlement(PaymentIntent intent) => intent.Status switch
    {
        PaymentIntent.Succeeded => ChargeSettlement.Succeeded(intent.Id, Money.FromMinorUnits(intent.AmountReceived > 0 ? intent.AmountReceived : intent.Amount)),
        PaymentIntent.RequiresPaymentMethod => ChargeSettlement.Failed(
            FailureReasons.FromCardError(intent.LastPaymentError?.Code, intent.LastPaymentError?.DeclineCode), intent.Id),
        _ => null,
    };

    /// <summary>The intent an event is about: the intent itself, or a refund's <c>payment_intent</c>.</summary>
    /// <summary>The reason a refund webhook's refund was asked for (its metadata), which names it here with its intent.</summary>
    private static string? RefundReasonOf(JsonElement data) =>
        data.ValueKind == JsonValueKind.Object
        && data.TryGetProperty("object", out var kind) && kind.GetString() == "refund"
        && data.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String
            ? reason.GetString()
            : null;

    private static string? IntentIdOf(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("object", out var kind))
        {
            return null;
        }

        var property = kind.GetString() switch
        {
            "payment_intent" => "id",
            "refund" => "payment_intent",
            _ => null,
        };
        return property is not null && data.TryGetProperty(property, out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
    }

    [LoggerMessage(LogLevel.Information, "Charge of order {OrderId} settled: {Status} {Reason}")]
    private partial void LogCharged(Guid orderId, string status, string? reason);

    [LoggerMessage(LogLevel.Information, "Charge of order {OrderId} settled by webhook {EventId}: {Status}")]
    private partial void LogSettledByWebhook(Guid orderId, string status, string eventId);

    [LoggerMessage(LogLevel.Information, "Refund of intent {IntentId} made due for the reconciler by webhook {EventId}")]
    private partial void LogRefundPrompted(string intentId, string eventId);

    [LoggerMessage(LogLevel.Information, "Refunded {Amount} of order {OrderId} ({Reason})")]
    private partial void LogRefunded(Guid orderId, decimal amount, string reason);

    [LoggerMessage(LogLevel.Warning, "The {Operation} of order {OrderId} needs attention: no answer from the provider after {Attempts} reconciler attempts ({Detail}); parked until an operator retries it")]
    private partial void LogParked(string operation, Guid orderId, int attempts, string detail);

    [LoggerMessage(LogLevel.Information, "Nothing left to refund for order {OrderId} ({Reason}): payment {Status}")]
    private partial void LogNothingLeft(Guid orderId, string reason, string status);

    [LoggerMessage(LogLevel.Information, "Nothing to refund for order {OrderId}: payment {Status} {Reason}")]
    private partial void LogNothingToRefund(Guid orderId, string status, string? reason);
}
