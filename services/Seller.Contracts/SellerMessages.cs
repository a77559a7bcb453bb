using System.Text.Json.Serialization;

namespace AspireShop.Seller.Contracts;

/// <summary>
/// What Seller publishes about a seller, keyed by seller id (topic <see cref="Topic"/>). Written as the base type
/// (<c>event</c> discriminator), so one consumer reads every kind that joins later (the payout ledger's).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "event")]
[JsonDerivedType(typeof(SellerApproved), "approved")]
public abstract record SellerEvent(Guid SellerId)
{
    public const string AggregateType = "seller";
    public const string Topic = "outbox.event." + AggregateType;
}

/// <summary>
/// An admin approved <see cref="UserId"/>'s application: the user now acts for the new <see cref="SellerEvent.SellerId"/> (Identity
/// grants the <c>seller</c> role and the <c>seller_id</c> claim), at <see cref="CommissionBasisPoints"/> of each sale.
/// </summary>
public sealed record SellerApproved(
    Guid UserId, Guid SellerId, Guid ApplicationId, string BusinessName, int CommissionBasisPoints, DateTimeOffset ApprovedAt)
    : SellerEvent(SellerId);
