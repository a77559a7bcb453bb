using System.Security.Cryptography;

namespace AspireShop.Infrastructure.PaymentProvider.Domain;

/// <summary>Stripe-shaped ids: a type prefix and 24 random lowercase hex digits.</summary>
public static class Ids
{
    public const string PaymentIntent = "pi";
    public const string Refund = "re";
    public const string Event = "evt";

    public static string New(string prefix) => $"{prefix}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
}
