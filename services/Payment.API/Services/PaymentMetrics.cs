using System.Diagnostics.Metrics;

namespace AspireShop.Payment.API.Services;

/// <summary>Payment's own instruments (meter <c>AspireShop.Payment</c>), created per host through <see cref="IMeterFactory"/>.</summary>
public sealed class PaymentMetrics
{
    public const string MeterName = "AspireShop.Payment";

    private readonly Counter<long> _charges;
    private readonly Counter<long> _refunds;
    private readonly Counter<long> _unknown;
    private readonly Counter<long> _reconcileAttempts;
    private readonly Counter<long> _parked;

    public PaymentMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _charges = meter.CreateCounter<long>("payment.charges", description: "Charges settled, by outcome (succeeded, failed reason)");
        _refunds = meter.CreateCounter<long>("payment.refunds", description: "Refunds settled, by outcome (refunded, nothing_captured, nothing_left)");
        _unknown = meter.CreateCounter<long>("payment.unknown", description: "Provider calls whose outcome is unknown (asked again later), by operation");
        _reconcileAttempts = meter.CreateCounter<long>("payment.reconciler.attempts", description: "PaymentReconciler asks of the provider, by operation (charge, refund)");
        _parked = meter.CreateCounter<long>("payment.reconciler.parked", description: "Charges and refunds parked as needs-attention after the reconciler's last attempt");
    }

    public void ChargeSettled(string outcome) => _charges.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void RefundSettled(string outcome) => _refunds.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Unknown(string operation) => _unknown.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void ReconcileAttempt(string operation) => _reconcileAttempts.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Parked(string operation) => _parked.Add(1, new KeyValuePair<string, object?>("operation", operation));
}
