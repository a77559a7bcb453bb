namespace AspireShop.WebApp.Services;

/// <summary>
/// What a seller manages of its products through the gateway: Catalog (products, its offers' prices) and Inventory
/// (stock levels and flash sales of its offers).
/// </summary>
public sealed class SellerCatalogClient(HttpClient http)
{
    public Task<PortalResult<SellerProductList>> ListProductsAsync(Guid sellerId, int page, int pageSize, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerProductList>("api/catalog/products" + PortalHttp.Query(("sellerId", sellerId), ("page", page), ("pageSize", pageSize)), cancellationToken);

    public Task<PortalResult<SellerProductView>> GetProductAsync(Guid productId, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerProductView>($"api/catalog/products/{productId}", cancellationToken);

    /// <summary>A product with one variant, offered by the caller at <paramref name="price"/>.</summary>
    public Task<PortalResult<SellerProductView>> CreateProductAsync(
        string title, string? description, string brand, string category, string code, decimal price, string currency, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerProductView>(
            "api/catalog/products",
            new
            {
                title,
                description,
                brand,
                category,
                images = Array.Empty<string>(),
                attributes = new Dictionary<string, string>(),
                variants = new[] { new { code, attributes = new Dictionary<string, string>(), price, currency } },
            },
            cancellationToken);

    /// <summary>The seller's offer on any SKU (its own product's or another seller's), with the product it belongs to.</summary>
    public Task<PortalResult<SellerOfferDetails>> GetOfferAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerOfferDetails>($"api/catalog/skus/{skuId}/offers/{sellerId}", cancellationToken);

    public Task<PortalResult<SellerOfferSaved>> SetOfferAsync(Guid skuId, Guid sellerId, decimal price, string currency, CancellationToken cancellationToken = default) =>
        http.PutAsync<SellerOfferSaved>($"api/catalog/skus/{skuId}/offers/{sellerId}", new { price, currency }, cancellationToken);

    public Task<PortalResult<SellerStockView>> GetStockAsync(Guid skuId, Guid sellerId, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerStockView>($"api/inventory/stock/{skuId}/{sellerId}", cancellationToken);

    public Task<PortalResult<SellerStockView>> SetStockAsync(Guid skuId, Guid sellerId, int onHand, CancellationToken cancellationToken = default) =>
        http.PutAsync<SellerStockView>($"api/inventory/stock/{skuId}/{sellerId}", new { onHand }, cancellationToken);

    /// <summary>
    /// Sets the stock of an offer Catalog has just created: Inventory learns of it from Catalog's event within about a
    /// second and answers 404 until then, so 404s are retried for a few seconds.
    /// </summary>
    public async Task<PortalResult<SellerStockView>> SetStockOfNewOfferAsync(Guid skuId, Guid sellerId, int onHand, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(8);
        while (true)
        {
            var result = await SetStockAsync(skuId, sellerId, onHand, cancellationToken);
            if (result.Problem is not { IsNotFound: true } || DateTimeOffset.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(400), cancellationToken);
        }
    }

    public Task<PortalResult<SellerFlashSaleView>> OpenFlashSaleAsync(
        Guid skuId, Guid sellerId, int quantity, DateTimeOffset? startsAt, DateTimeOffset endsAt, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerFlashSaleView>("api/inventory/flash-sales", new { skuId, sellerId, quantity, startsAt, endsAt }, cancellationToken);

    public Task<PortalResult<SellerFlashSaleView>> GetFlashSaleAsync(Guid saleId, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerFlashSaleView>($"api/inventory/flash-sales/{saleId}", cancellationToken);

    public Task<PortalResult<SellerFlashSaleView>> CloseFlashSaleAsync(Guid saleId, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerFlashSaleView>($"api/inventory/flash-sales/{saleId}/close", null, cancellationToken);
}
