namespace AspireShop.Inventory.API.Data.Schema;

/// <summary>
/// What Inventory decided for one order of the OrderSaga: the record every repeated command is answered from, and the
/// fence that makes a reserve arriving after the order's release hold nothing.
/// </summary>
public sealed class OrderStock
{
    public Guid OrderId { get; set; }

    /// <summary>The buyer the order's holds belong to (null when a release arrived before any reserve).</summary>
    public Guid? BuyerId { get; set; }

    public string Status { get; set; } = OrderStockStatus.Reserved;

    /// <summary>Why a reserve was rejected (<c>out_of_stock</c>); null otherwise.</summary>
    public string? Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public static class OrderStockStatus
{
    public const string Reserved = "reserved";
    public const string Rejected = "rejected";
    public const string Committed = "committed";
    public const string Released = "released";
}
