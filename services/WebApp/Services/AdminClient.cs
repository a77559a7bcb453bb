namespace AspireShop.WebApp.Services;

/// <summary>
/// The admin APIs through the gateway as the signed-in admin: seller onboarding decisions, the seller list, and the
/// work the platform parked (orders, payments, refunds, dead letters).
/// </summary>
public sealed class AdminClient(HttpClient http)
{
    /// <summary>
    /// Services whose consumers dead-letter messages, each replayable at <c>POST /admin/dead-letters/{service}/replay</c>
    /// at the gateway (forwarded to the service's <c>/admin/dead-letters/replay</c>).
    /// </summary>
    public static readonly IReadOnlyList<string> DeadLetterServices =
        ["catalog", "search", "inventory", "cart", "ordering", "payment", "fulfillment", "seller", "identity"];

    public Task<PortalResult<SellerApplicationList>> ListApplicationsAsync(string? status, int page, int pageSize, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerApplicationList>("api/sellers/applications" + PortalHttp.Query(("status", status), ("page", page), ("pageSize", pageSize)), cancellationToken);

    /// <summary>Null <paramref name="commissionBasisPoints"/> takes Seller's default (1000 = 10 %).</summary>
    public Task<PortalResult<SellerApplicationView>> ApproveAsync(Guid applicationId, int? commissionBasisPoints, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerApplicationView>($"api/sellers/applications/{applicationId}/approve", new { commissionBasisPoints }, cancellationToken);

    public Task<PortalResult<SellerApplicationView>> RejectAsync(Guid applicationId, string? reason, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerApplicationView>($"api/sellers/applications/{applicationId}/reject", new { reason }, cancellationToken);

    public Task<PortalResult<SellerProfileList>> ListSellersAsync(int page, int pageSize, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerProfileList>("api/sellers" + PortalHttp.Query(("page", page), ("pageSize", pageSize)), cancellationToken);

    /// <summary>Applies to the seller's sales from now on; what was earned keeps its rate.</summary>
    public Task<PortalResult<SellerProfileView>> UpdateCommissionAsync(Guid sellerId, int commissionBasisPoints, CancellationToken cancellationToken = default) =>
        http.PutAsync<SellerProfileView>($"api/sellers/{sellerId}/commission", new { commissionBasisPoints }, cancellationToken);

    public Task<PortalResult<List<AdminParkedOrder>>> GetParkedOrdersAsync(CancellationToken cancellationToken = default) =>
        http.GetAsync<List<AdminParkedOrder>>("admin/orders/needs-attention", cancellationToken);

    public Task<PortalResult<AdminRetried>> RetryParkedOrdersAsync(CancellationToken cancellationToken = default) =>
        http.PostAsync<AdminRetried>("admin/orders/needs-attention/retry", null, cancellationToken);

    public Task<PortalResult<AdminParkedPayments>> GetParkedPaymentsAsync(CancellationToken cancellationToken = default) =>
        http.GetAsync<AdminParkedPayments>("api/payments/needs-attention", cancellationToken);

    public Task<PortalResult<AdminRetried>> RetryParkedPaymentsAsync(CancellationToken cancellationToken = default) =>
        http.PostAsync<AdminRetried>("api/payments/needs-attention/retry", null, cancellationToken);

    /// <summary>Refunds the payout ledger holds for orders it has not seen confirmed, oldest first.</summary>
    public Task<PortalResult<AdminParkedRefundList>> GetParkedRefundsAsync(int page, int pageSize, CancellationToken cancellationToken = default) =>
        http.GetAsync<AdminParkedRefundList>("api/sellers/ledger/parked-refunds" + PortalHttp.Query(("page", page), ("pageSize", pageSize)), cancellationToken);

    /// <summary>Replays every dead letter of the service's consumer groups (re-runs their side effects).</summary>
    public Task<PortalResult<List<AdminReplayResult>>> ReplayDeadLettersAsync(string service, CancellationToken cancellationToken = default) =>
        http.PostAsync<List<AdminReplayResult>>($"admin/dead-letters/{Uri.EscapeDataString(service)}/replay", null, cancellationToken);
}
