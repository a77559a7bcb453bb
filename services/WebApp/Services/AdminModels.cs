namespace AspireShop.WebApp.Services;

// The shapes the admin APIs answer with (Ordering, Payment, Seller, every service's dead-letter replay).

/// <summary>An order the saga parked as needs-attention after re-sending its step's command too often.</summary>
public sealed record AdminParkedOrder(Guid Id, Guid BuyerId, string Status, string Step, int ReSends, DateTimeOffset Since);

public sealed record AdminRetried(int Retried);

/// <summary>A charge or refund the payment reconciler parked.</summary>
public sealed record AdminParkedPaymentItem(Guid Id, Guid OrderId, string Status, int Attempts, DateTimeOffset Since);

public sealed record AdminParkedPayments(IReadOnlyList<AdminParkedPaymentItem> Payments, IReadOnlyList<AdminParkedPaymentItem> Refunds);

/// <summary>A refund the payout ledger holds until its order's confirmation arrives (or keeps with a problem).</summary>
public sealed record AdminParkedRefund(
    Guid PaymentId,
    Guid OrderId,
    string Reason,
    Guid? SellerId,
    decimal Amount,
    string Currency,
    DateTimeOffset ParkedAt,
    string? Problem);

public sealed record AdminParkedRefundList(int Total, int Page, int PageSize, IReadOnlyList<AdminParkedRefund> Items);

/// <summary>One consumer group's replay: how many dead letters went back through its handler and how many failed again.</summary>
public sealed record AdminReplayResult(string Group, string DeadLetterTopic, int Replayed, int Failed, string? FirstError);
