namespace AspireShop.WebApp.Services;

/// <summary>
/// Fulfillment through the gateway as a seller: its own shipments (parts of orders) and their moves. A move repeated
/// answers 200; a move the shipment's state forbids answers 409 with the reason.
/// </summary>
public sealed class SellerShipmentsClient(HttpClient http)
{
    public Task<PortalResult<SellerShipmentPage>> ListAsync(string? status, int page, int pageSize, CancellationToken cancellationToken = default) =>
        http.GetAsync<SellerShipmentPage>("api/fulfillment/shipments" + PortalHttp.Query(("status", status), ("page", page), ("pageSize", pageSize)), cancellationToken);

    public Task<PortalResult<SellerShipmentView>> PackAsync(Guid shipmentId, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerShipmentView>($"api/fulfillment/shipments/{shipmentId}/pack", null, cancellationToken);

    public Task<PortalResult<SellerShipmentView>> ShipAsync(Guid shipmentId, string? carrier, string? trackingNumber, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerShipmentView>($"api/fulfillment/shipments/{shipmentId}/ship", new { carrier, trackingNumber }, cancellationToken);

    public Task<PortalResult<SellerShipmentView>> DeliverAsync(Guid shipmentId, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerShipmentView>($"api/fulfillment/shipments/{shipmentId}/deliver", null, cancellationToken);

    public Task<PortalResult<SellerShipmentView>> CancelAsync(Guid shipmentId, string? reason, CancellationToken cancellationToken = default) =>
        http.PostAsync<SellerShipmentView>($"api/fulfillment/shipments/{shipmentId}/cancel", new { reason }, cancellationToken);
}
