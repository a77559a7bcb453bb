namespace AspireShop.Ordering.API.Extensions;

/// <summary><c>Ordering</c>: whom checkout calls and how often the saga's deadlines are checked.</summary>
public sealed class OrderingOptions
{
    public const string Section = "Ordering";

    /// <summary>The <see cref="ServiceDefaults.Http.DownstreamOptions"/> of each dependency.</summary>
    public const string CartSection = "Ordering:Cart";
    public const string CatalogSection = "Ordering:Catalog";

    /// <summary>Resolved by service discovery (<c>services:cart:http:0</c>).</summary>
    public Uri CartBaseAddress { get; set; } = new("http://cart");

    /// <summary>Resolved by service discovery (<c>services:catalog:http:0</c>).</summary>
    public Uri CatalogBaseAddress { get; set; } = new("http://catalog");

    public TimeSpan SagaTimerInterval { get; set; } = TimeSpan.FromSeconds(1);

    public int SagaTimerBatchSize { get; set; } = 100;

    /// <summary>
    /// Re-sends of one step before the order is parked as needs-attention: at the deadlines' doubling, capped at
    /// 5 min, 12 re-sends are about 50 minutes of a participant not answering.
    /// </summary>
    public int SagaMaxResends { get; set; } = 12;
}
