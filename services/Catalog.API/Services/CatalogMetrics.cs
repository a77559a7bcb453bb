using System.Diagnostics.Metrics;

namespace AspireShop.Catalog.API.Services;

/// <summary>The catalog's own instruments (meter <c>AspireShop.Catalog</c>), created per host through <see cref="IMeterFactory"/>.</summary>
public sealed class CatalogMetrics
{
    public const string MeterName = "AspireShop.Catalog";
    public const string ProductLoads = "catalog.product.loads";
    public const string InventoryCalls = "catalog.inventory.calls";
    public const string InventoryCircuitOpen = "catalog.inventory.circuit_open";
    public const string AvailabilityEvents = "catalog.availability.events";

    private readonly Counter<long> _productLoads;
    private readonly Counter<long> _inventoryCalls;
    private readonly Counter<long> _availabilityEvents;
    private int _inventoryCircuitOpen;

    public CatalogMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _productLoads = meter.CreateCounter<long>(ProductLoads, description: "Product documents loaded from the catalog database (cache misses)");
        _inventoryCalls = meter.CreateCounter<long>(InventoryCalls, description: "Availability look-ups sent to Inventory, by outcome");
        _availabilityEvents = meter.CreateCounter<long>(AvailabilityEvents, description: "AvailabilityChanged events projected into Redis, by result");
        meter.CreateObservableGauge(InventoryCircuitOpen, () => Volatile.Read(ref _inventoryCircuitOpen),
            description: "1 while the circuit breaker in front of Inventory is open, else 0");
    }

    public bool IsInventoryCircuitOpen => Volatile.Read(ref _inventoryCircuitOpen) == 1;

    public void ProductLoaded() => _productLoads.Add(1);

    public void InventoryCalled(string outcome) => _inventoryCalls.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void InventoryCircuitChanged(bool open) => Volatile.Write(ref _inventoryCircuitOpen, open ? 1 : 0);

    public void AvailabilityEventsHandled(int applied, int stale)
    {
        _availabilityEvents.Add(applied, new KeyValuePair<string, object?>("result", "applied"));
        _availabilityEvents.Add(stale, new KeyValuePair<string, object?>("result", "stale"));
    }
}
