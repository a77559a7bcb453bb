namespace AspireShop.WebApp.Services;

/// <summary>
/// Seller.API through the gateway as the signed-in user: applying to sell, the seller's own profile, balance and
/// statements (the <c>/me</c> routes read the seller id from the user's token).
/// </summary>
public sealed class SellerPortalClient(HttpClient http)
{
    public Task<PortalResult<SellerApplicationView>> ApplyAsync(string businessName, string contactEmail, string payoutAccount, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerApplicationView>("api/sellers/applications", new { businessName, contactEmail, payoutAccount }, cancellationToken);

    /// <summary>The user's applications, newest first.</summary>
    public Task<PortalResult<List<SellerApplicationView>>> GetMyApplicationsAsync(CancellationToken cancellationToken = default) =>
        http.GetAsync<List<SellerApplicationView>>("api/sellers/applications/mine", cancellationToken);

    public Task<PortalResult<SellerProfileView>> GetProfileAsync(CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerProfileView>("api/sellers/me", cancellationToken);

    public Task<PortalResult<SellerBalanceView>> GetBalanceAsync(CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerBalanceView>("api/sellers/me/balance", cancellationToken);

    /// <summary>
    /// Postings from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), ISO 8601 dates; the API
    /// defaults to the current month so far.
    /// </summary>
    public Task<PortalResult<SellerStatementView>> GetStatementAsync(string? from, string? to, int page, int pageSize, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerStatementView>(
            "api/sellers/me/statements" + PortalHttp.Query(("from", from), ("to", to), ("page", page), ("pageSize", pageSize)), cancellationToken);
}
